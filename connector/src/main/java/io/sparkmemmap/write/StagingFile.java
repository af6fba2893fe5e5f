package io.sparkmemmap.write;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * The file a task writes its rows into: preallocated in large extents and filled with positional writes from one
 * reusable direct buffer. A full disk is an {@link IOException} from a write, never a fault on a mapped page.
 * Rows start at {@code dataOffset}; the header is written by {@link #finish} when the row count is known.
 */
final class StagingFile implements Closeable {
  private static final int BUFFER_BYTES = 1 << 20;
  private static final long EXTENT_BYTES = 16L << 20;

  private final Path path;
  private final FileChannel channel;
  private final ByteBuffer buffer;
  private final long dataOffset;
  private final int rowBytes;
  /** Where the buffer's bytes go: the end of what is written. */
  private long end;
  /** The file's length as preallocated. */
  private long allocated;
  private boolean closed;

  private StagingFile(Path path, FileChannel channel, long dataOffset, int rowBytes) {
    this.path = path;
    this.channel = channel;
    this.dataOffset = dataOffset;
    this.rowBytes = rowBytes;
    int rows = rowBytes == 0 ? 1 : Math.max(1, BUFFER_BYTES / rowBytes);
    this.buffer = ByteBuffer.allocateDirect(Math.max(1, rows * rowBytes)).order(ByteOrder.LITTLE_ENDIAN);
    this.end = dataOffset;
  }

  /** Creates the file, which must not exist yet, with rows of {@code rowBytes} starting at {@code dataOffset}. */
  static StagingFile create(Path path, long dataOffset, int rowBytes) throws IOException {
    FileChannel channel = FileChannel.open(path, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ,
        StandardOpenOption.WRITE);
    return new StagingFile(path, channel, dataOffset, rowBytes);
  }

  Path path() {
    return path;
  }

  ByteBuffer buffer() {
    return buffer;
  }

  /** Room for one more row: its position in {@link #buffer()}. */
  int nextRow() throws IOException {
    if (buffer.remaining() < rowBytes) {
      flush();
    }
    int pos = buffer.position();
    buffer.position(pos + rowBytes);
    return pos;
  }

  private void flush() throws IOException {
    buffer.flip();
    try {
      preallocate(end + buffer.remaining());
      while (buffer.hasRemaining()) {
        end += channel.write(buffer, end);
      }
    } catch (IOException e) {
      throw failed("cannot write " + buffer.remaining() + " bytes at offset " + end, e);
    }
    buffer.clear();
  }

  /** A write error naming the file: the JDK's (such as "No space left on device") name neither file nor place. */
  private IOException failed(String what, IOException e) {
    return new IOException(path + ": " + what + ": " + e.getMessage(), e);
  }

  /** Grows the file ahead of the writes in extents, as {@code np.lib.format.open_memmap} does: one byte at the end. */
  private void preallocate(long needed) throws IOException {
    if (needed <= allocated) {
      return;
    }
    long size = Math.max(needed, allocated + Math.max(EXTENT_BYTES, allocated / 2));
    ByteBuffer zero = ByteBuffer.allocate(1);
    while (zero.hasRemaining()) {
      channel.write(zero, size - 1);
    }
    allocated = size;
  }

  /**
   * Writes the buffered rows, cuts the file to exactly {@code header + rows}, and writes the header over the room
   * left for it. Not forced to disk, as Spark's own file commit protocol does not force its outputs: the job's
   * rename makes the output visible whole or not at all, and a forced write of every part (at the speed of the
   * disk rather than of the page cache) made writes several times slower.
   *
   * @param header bytes for offset 0, exactly {@code dataOffset} long; empty for headerless output
   */
  void finish(byte[] header, long rows) throws IOException {
    flush();
    long expected = dataOffset + rows * rowBytes;
    if (expected != end) {
      throw new IllegalStateException(path + ": wrote " + (end - dataOffset) + " bytes for " + rows + " rows of "
          + rowBytes + " bytes");
    }
    if (header.length != dataOffset) {
      throw new IllegalStateException(path + ": header of " + header.length + " bytes for room of " + dataOffset);
    }
    try {
      channel.truncate(end);
      ByteBuffer head = ByteBuffer.wrap(header);
      while (head.hasRemaining()) {
        channel.write(head, head.position());
      }
    } catch (IOException e) {
      throw failed("cannot finish the file", e);
    }
    close();
  }

  @Override
  public void close() throws IOException {
    if (!closed) {
      closed = true;
      channel.close();
    }
  }

  /** Closes and removes the file: what an aborted task leaves is nothing. */
  void delete() throws IOException {
    try {
      close();
    } finally {
      Files.deleteIfExists(path);
    }
  }
}
