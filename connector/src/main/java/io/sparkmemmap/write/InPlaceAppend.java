package io.sparkmemmap.write;

import io.sparkmemmap.format.DType;
import io.sparkmemmap.format.NpyHeader;
import io.sparkmemmap.format.NumpyDescr;
import io.sparkmemmap.format.Shape;
import java.io.BufferedInputStream;
import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Optional;
import org.apache.hadoop.fs.Path;

/**
 * Grows a local {@code .npy} in place, in two steps that each leave a readable array behind:
 *
 * <ol>
 *   <li>{@link #appendData}: the new rows go after the old data and are forced to disk. The header still gives
 *       the old shape, and NumPy reads exactly the bytes a shape covers, so a crash here leaves the old array.
 *   <li>{@link #commitHeader}: the header is rewritten for the new shape in the same number of bytes (NumPy leaves
 *       growth space for axis 0 to reach 21 digits) and forced to disk: one small write within the first page.
 * </ol>
 *
 * A headerless ({@code memmap}) file has only the first step. When the new header does not fit the old one's
 * room (a header NumPy before 1.24 wrote, without growth space), {@link #open} says so and the caller rewrites
 * the whole file instead.
 */
final class InPlaceAppend implements Closeable {
  private final Path file;
  private final FileChannel channel;
  private final long dataEnd;
  private final byte[] newHeader;

  private InPlaceAppend(Path file, FileChannel channel, long dataEnd, byte[] newHeader) {
    this.file = file;
    this.channel = channel;
    this.dataEnd = dataEnd;
    this.newHeader = newHeader;
  }

  /**
   * Opens {@code file} for appending {@code newRows} rows of {@code dtype} and {@code rowShape}, after checking
   * that the array it holds has that dtype and row shape; empty when the header cannot be rewritten in place.
   *
   * @param hasHeader false for a headerless file, which grows at its end
   */
  static Optional<InPlaceAppend> open(Path file, boolean hasHeader, DType dtype, Shape rowShape, long newRows)
      throws IOException {
    FileChannel channel = FileChannel.open(OutputFiles.Local.nio(file), StandardOpenOption.READ,
        StandardOpenOption.WRITE);
    try {
      if (!hasHeader) {
        return Optional.of(new InPlaceAppend(file, channel, channel.size(), null));
      }
      NpyHeader header = NpyHeader.read(new BufferedInputStream(Channels.newInputStream(channel.position(0))),
          file.toString());
      checkAppendable(header, dtype, rowShape, file.toString());
      long dataEnd = header.dataOffset() + header.dataLength();
      if (channel.size() < dataEnd) {
        throw new IOException(file + " is truncated: its header describes " + header.dataLength() + " bytes of data "
            + "but the file ends " + (dataEnd - channel.size()) + " bytes short");
      }
      Optional<byte[]> grown = header.encodeInPlace(grownShape(header.shape(), newRows));
      if (grown.isEmpty()) {
        channel.close();
        return Optional.empty();
      }
      return Optional.of(new InPlaceAppend(file, channel, dataEnd, grown.get()));
    } catch (IOException | RuntimeException e) {
      channel.close();
      throw e;
    }
  }

  /** The shape after appending: axis 0 grows, the row shape stays. */
  static Shape grownShape(Shape old, long newRows) {
    return old.withFirstDim(Math.addExact(old.dim(0), newRows));
  }

  /**
   * Refuses an append that would change what the array is: another dtype or row shape, a 0-d array, or a
   * Fortran-ordered array (whose rows are not contiguous, so new rows cannot just follow).
   */
  static void checkAppendable(NpyHeader header, DType dtype, Shape rowShape, String resource) {
    checkGrowable(header, resource);
    Shape shape = header.shape();
    if (!header.dtype().equals(dtype)) {
      throw new IllegalArgumentException("cannot append to " + resource + ": it holds "
          + NumpyDescr.toDescr(header.dtype()) + ", and the rows written are " + NumpyDescr.toDescr(dtype));
    }
    if (!shape.trailing().equals(rowShape)) {
      throw new IllegalArgumentException("cannot append to " + resource + ": its rows have shape " + shape.trailing()
          + ", and the rows written have shape " + rowShape);
    }
  }

  /** Refuses arrays that cannot take more rows at their end: 0-d, or Fortran-ordered with rows not contiguous. */
  static void checkGrowable(NpyHeader header, String resource) {
    Shape shape = header.shape();
    if (shape.rank() == 0) {
      throw new IllegalArgumentException("cannot append rows to " + resource + ": it holds a 0-d array, which has "
          + "no axis to grow");
    }
    if (header.fortranOrder() && shape.rank() > 1) {
      throw new IllegalArgumentException("cannot append rows to " + resource + ": it is in Fortran order, where "
          + "rows are not contiguous; save it in C order first");
    }
  }

  /**
   * Step 1: the new rows after the old data, forced to disk; the header still describes the old array. When that
   * fails (a full disk), the file is cut back to the old array's bytes, so that it gives back the space it took.
   */
  void appendData(List<ByteRange> rows) throws IOException {
    long end = dataEnd + OutputFiles.totalLength(rows);
    try {
      if (end > dataEnd) {
        OutputFiles.Local.writeFully(channel, ByteBuffer.allocate(1), end - 1);
      }
      long at = dataEnd;
      for (ByteRange range : rows) {
        at += OutputFiles.Local.copy(range, channel, at);
      }
      if (channel.size() > end) {
        channel.truncate(end);
      }
      channel.force(true);
    } catch (IOException | RuntimeException e) {
      try {
        channel.truncate(dataEnd);
      } catch (IOException truncateFailed) {
        e.addSuppressed(truncateFailed);
      }
      if (e instanceof IOException io) {
        throw new IOException("cannot append " + (end - dataEnd) + " bytes to " + file + " (left as it was): "
            + io.getMessage(), io);
      }
      throw e;
    }
  }

  /** Step 2: the header for the new shape, over the old one, forced to disk. */
  void commitHeader() throws IOException {
    if (newHeader != null) {
      OutputFiles.Local.writeFully(channel, ByteBuffer.wrap(newHeader), 0);
      channel.force(true);
    }
  }

  @Override
  public void close() throws IOException {
    channel.close();
  }

  @Override
  public String toString() {
    return "InPlaceAppend[" + file + " from byte " + dataEnd + "]";
  }
}
