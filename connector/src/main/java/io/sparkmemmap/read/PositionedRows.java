package io.sparkmemmap.read;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * Rows read by positioned reads of exactly their bytes ({@code FSDataInputStream.readFully(position, ...)}), for
 * files that cannot be mapped: any file system but the local one, and Fortran-order ranges of more segments than
 * are worth a mapping each. Never reads a byte outside the range.
 */
final class PositionedRows extends RowSource {
  /** The most bytes read per call, all segments together (at least one row). */
  static final int MAX_READ_BYTES = 64 << 20;

  private final FileHandle handle;
  private final int maxRowsPerRead;
  private final byte[][] arrays;

  PositionedRows(FileHandle handle, ArrayFile file, RowLayout layout, int[] segments, long fromRow, long toRow) {
    super(file, layout, segments, fromRow, toRow);
    this.handle = handle;
    long rowBytes = (long) layout.stride() * segments.length;
    this.maxRowsPerRead = rowBytes == 0 ? Integer.MAX_VALUE : (int) Math.max(1, MAX_READ_BYTES / rowBytes);
    this.arrays = new byte[layout.segmentCount()][];
  }

  @Override
  protected int load(long row, long runEnd, int maxRows) throws IOException {
    int rows = Math.min(maxRows, maxRowsPerRead);
    int length = rows * layout.stride();
    for (int s : segments) {
      byte[] array = arrays[s];
      if (array == null || array.length < length) {
        array = new byte[length];
        arrays[s] = array;
        buffers[s] = littleEndian(ByteBuffer.wrap(array));
      }
      long start = position(s, row);
      try {
        handle.readFully(start, array, 0, length);
      } catch (IOException e) {
        throw new IOException(describe(row, row + rows) + ": reading " + length + " bytes at offset " + start
            + " failed: " + e.getMessage(), e);
      }
      positions[s] = 0;
    }
    return rows;
  }

  @Override
  long bytesMapped() {
    return handle.bytesRead();
  }

  @Override
  protected void release() throws IOException {
    handle.close();
  }
}
