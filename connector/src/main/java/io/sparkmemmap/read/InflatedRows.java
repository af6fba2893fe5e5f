package io.sparkmemmap.read;

import io.sparkmemmap.format.NpyFormatException;
import io.sparkmemmap.format.NpzDirectory;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;

/**
 * Rows of a deflated {@code .npz} entry, inflated as a stream over positioned reads of the archive (only the
 * entry's compressed bytes are read). C-order rows are inflated batch by batch, in order; a Fortran-order array is
 * inflated whole first, since each of its rows has bytes all over the entry. Rows between the runs a read needs are
 * inflated and dropped: a deflate stream has no index to seek with.
 */
final class InflatedRows extends RowSource {
  /** The largest Fortran-order entry inflated into memory. */
  static final long MAX_INFLATED_FORTRAN_BYTES = Integer.MAX_VALUE - 16;

  private final FileHandle handle;
  private final InputStream content;
  private final boolean whole;
  private final int maxRowsPerRead;
  private byte[] array;
  /** The next row the stream is at (C order). */
  private long streamRow;

  InflatedRows(FileHandle handle, ArrayFile file, RowLayout layout, int[] segments, long fromRow, long toRow)
      throws IOException {
    super(file, layout, segments, fromRow, toRow);
    this.handle = handle;
    NpzDirectory archive = NpzDirectory.read(handle.reader(), file.path());
    NpzDirectory.Entry entry = archive.entry(file.entry()).orElseThrow(() -> new NpyFormatException(file.path(),
        "entry '" + file.entry() + "' is gone; the archive was rewritten after the read was planned"));
    this.content = archive.openEntry(entry);
    skip(file.dataOffset());
    this.whole = layout.fortran();
    long rowBytes = layout.rowBytes();
    this.maxRowsPerRead = rowBytes == 0 ? Integer.MAX_VALUE
        : (int) Math.max(1, FileRows.REMOTE_WINDOW_BYTES / rowBytes);
    if (whole) {
      if (file.dataLength() > MAX_INFLATED_FORTRAN_BYTES) {
        throw new IOException(describe() + ": a Fortran-order array in a compressed .npz is read by inflating it "
            + "whole, and " + file.dataLength() + " bytes is more than " + MAX_INFLATED_FORTRAN_BYTES
            + "; save it with np.savez (stored) or in C order");
      }
      array = new byte[(int) file.dataLength()];
      readFully(array, (int) file.dataLength());
      ByteBuffer buffer = littleEndian(ByteBuffer.wrap(array));
      for (int s : segments) {
        buffers[s] = buffer;
      }
    } else {
      skip(fromRow * rowBytes);
      streamRow = fromRow;
    }
  }

  @Override
  protected int load(long row, long runEnd, int maxRows) throws IOException {
    if (whole) {
      for (int s : segments) {
        positions[s] = (int) (position(s, row) - file.dataOffset());
      }
      return maxRows;
    }
    if (row < streamRow) {
      throw new IllegalStateException(describe() + ": rows of a compressed entry are read in order, row " + streamRow
          + " is next, not " + row);
    }
    if (row > streamRow) {
      skip((row - streamRow) * layout.rowBytes()); // rows between runs are inflated, never copied
      streamRow = row;
    }
    int rows = Math.min(maxRows, maxRowsPerRead);
    int length = rows * layout.rowBytes();
    if (array == null || array.length < length) {
      array = new byte[length];
      buffers[0] = littleEndian(ByteBuffer.wrap(array));
    }
    readFully(array, length);
    positions[0] = 0;
    streamRow += rows;
    return rows;
  }

  private void readFully(byte[] target, int length) throws IOException {
    int done = 0;
    while (done < length) {
      int n = content.read(target, done, length - done);
      if (n < 0) {
        throw new EOFException(describe() + ": the entry ended " + (length - done) + " bytes early");
      }
      done += n;
    }
  }

  private void skip(long bytes) throws IOException {
    try {
      content.skipNBytes(bytes);
    } catch (EOFException e) {
      throw new EOFException(describe() + ": the entry ended before byte " + bytes);
    }
  }

  @Override
  RemoteFetches fetches() {
    return handle.fetches();
  }

  @Override
  long bytesMapped() {
    return handle.bytesRead();
  }

  @Override
  protected void release() throws IOException {
    try {
      content.close();
    } finally {
      handle.close();
    }
  }
}
