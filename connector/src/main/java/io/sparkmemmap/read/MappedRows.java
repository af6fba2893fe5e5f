package io.sparkmemmap.read;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;

/**
 * Rows of a local file read through mappings of only their own bytes, in windows of at most
 * {@value #MAX_WINDOW_BYTES} bytes (all segments together), so that ranges and files past 2 GiB work. A window
 * holds whole rows of one run of needed rows; it is unmapped as soon as the rows after it are needed, and at close.
 */
final class MappedRows extends RowSource {
  /** The most bytes mapped at once per task, as Lucene maps files in chunks of 1 GiB at most. */
  static final long MAX_WINDOW_BYTES = 1L << 30;

  private final FileHandle handle;
  private final long rowsPerWindow;
  private final MappedByteBuffer[] mapped;
  private long windowFrom = -1;
  private long windowTo = -1;
  private long bytesMapped;

  MappedRows(FileHandle handle, ArrayFile file, RowLayout layout, int[] segments, long fromRow, long toRow)
      throws IOException {
    super(file, layout, segments, fromRow, toRow);
    this.handle = handle;
    this.mapped = new MappedByteBuffer[layout.segmentCount()];
    long rowBytes = (long) layout.stride() * segments.length;
    this.rowsPerWindow = rowBytes == 0 ? Long.MAX_VALUE : Math.max(1, MAX_WINDOW_BYTES / rowBytes);
    long size = handle.channel().size();
    if (size < requiredEnd()) {
      throw new IOException(describe() + ": the file is " + size + " bytes long, shorter than the " + requiredEnd()
          + " bytes the read was planned with; it was truncated or rewritten after planning");
    }
  }

  @Override
  protected int load(long row, long runEnd, int maxRows) throws IOException {
    if (row < windowFrom || row >= windowTo) {
      map(row, runEnd);
    }
    int stride = layout.stride();
    for (int s : segments) {
      positions[s] = (int) ((row - windowFrom) * stride);
    }
    return (int) Math.min(maxRows, windowTo - row);
  }

  private void map(long row, long runEnd) throws IOException {
    unmapAll();
    long to = Math.min(runEnd, row + rowsPerWindow);
    long length = (to - row) * layout.stride();
    FileChannel channel = handle.channel();
    for (int s : segments) {
      long start = position(s, row);
      try {
        MappedByteBuffer buffer = channel.map(FileChannel.MapMode.READ_ONLY, start, length);
        mapped[s] = buffer;
        buffers[s] = littleEndian(buffer);
      } catch (IOException | RuntimeException e) {
        unmapAll();
        throw new IOException(describe(row, to) + ": cannot map " + length + " bytes at offset " + start + ": " + e,
            e);
      }
      bytesMapped += length;
    }
    windowFrom = row;
    windowTo = to;
  }

  private void unmapAll() {
    for (int s : segments) {
      ByteBuffer buffer = mapped[s];
      if (buffer != null) {
        mapped[s] = null;
        buffers[s] = null;
        Unmapper.unmap(buffer, describe(windowFrom, windowTo));
      }
    }
    windowFrom = -1;
    windowTo = -1;
  }

  /**
   * Asks the file's length, a native call. A fault on a mapped page of a file truncated under the task is raised
   * in compiled code as an asynchronous {@link InternalError}, at the latest when the thread next returns from
   * native code; this call is such a return, so the error surfaces here, inside the reader, which turns it into an
   * IOException, instead of later in Spark's code, where an InternalError is fatal and kills the executor.
   */
  @Override
  void checkIntact() throws IOException {
    long size = handle.channel().size();
    if (size < requiredEnd()) {
      throw new IOException(describe() + ": the file changed while it was read: it is now " + size + " bytes long, "
          + "shorter than the " + requiredEnd() + " bytes the read was planned with (it was truncated or rewritten "
          + "under the task)");
    }
  }

  @Override
  long bytesMapped() {
    return bytesMapped;
  }

  @Override
  protected void release() throws IOException {
    unmapAll();
    handle.close();
  }
}
