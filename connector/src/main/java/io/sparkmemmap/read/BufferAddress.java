package io.sparkmemmap.read;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Objects;
import org.apache.spark.unsafe.Platform;

/**
 * Where a buffer's bytes lie, for loops that read them with Spark's {@link Platform} accessors, which compile to
 * plain loads. A loop of {@code ByteBuffer.getFloat(pos + k * stride)} keeps a bounds check on every value when the
 * stride is not a constant (the JIT removes range checks only for constant scales), and loads fewer rows ahead: on
 * a (2^24, 16) float32 array, summing one column that way took 88 ms, and by address 67 ms, NumPy's speed (63 ms).
 * A loop checks its whole range once with {@link #checkRange} before it reads by address, so that it cannot read
 * outside the buffer. The buffer stays mapped while it is read: mappings are released only after the reader drops
 * them ({@link Unmapper}).
 */
final class BufferAddress {
  /**
   * Whether the machine's byte order, in which Platform reads and Spark's {@code put*} methods of native arrays
   * take values, is that of little-endian files.
   */
  static final boolean NATIVE_LITTLE_ENDIAN = ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN;
  static final int CACHE_LINE_BYTES = 64;

  private BufferAddress() {}

  /** The object the bytes are in: the array of a heap buffer, null for a direct (mapped) one. */
  static Object base(ByteBuffer buffer) {
    return buffer.isDirect() ? null : buffer.array();
  }

  /** The offset of byte {@code index} of the buffer from its {@link #base}. */
  static long offset(ByteBuffer buffer, int index) {
    return buffer.isDirect()
        ? Platform.getDirectBufferAddress(buffer) + index
        : Platform.BYTE_ARRAY_OFFSET + buffer.arrayOffset() + (long) index;
  }

  /**
   * Brings {@code length} bytes of a buffer from {@code index} into the CPU's caches, one load a cache line, each
   * independent of the others, so that the memory system fetches many lines at once. A loop that adds values up in
   * one chain of additions (as an exact SUM must, in row order) waits on each load in turn instead: summing one
   * float32 column of a kept mapping of a GiB took 97-136 ms in one chain, and 51-58 ms with each block of 256 KiB
   * of rows loaded this way first. Bytes already in the caches (a window just read into a buffer) cost a few
   * milliseconds a GiB. Returns a value made of the loaded bytes, so that the JIT cannot drop the loads.
   */
  static long loadIntoCache(ByteBuffer buffer, int index, int length) {
    Objects.checkFromIndexSize(index, length, buffer.limit());
    Object base = base(buffer);
    long start = offset(buffer, index);
    long sum = 0;
    for (int k = 0; k < length; k += CACHE_LINE_BYTES) {
      sum += Platform.getByte(base, start + k);
    }
    return sum;
  }

  /**
   * Checks that {@code count} values of {@code itemSize} bytes, the first at {@code index} and each {@code stride}
   * bytes after the one before, lie within the buffer.
   */
  static void checkRange(ByteBuffer buffer, int index, int stride, int count, int itemSize) {
    if (count > 0) {
      Objects.checkFromIndexSize(index, (long) (count - 1) * stride + itemSize, buffer.limit());
    }
  }
}
