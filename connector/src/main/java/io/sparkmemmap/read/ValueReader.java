package io.sparkmemmap.read;

import java.io.Serializable;
import java.nio.ByteBuffer;
import org.apache.spark.sql.execution.vectorized.WritableColumnVector;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.unsafe.Platform;

/**
 * Turns NumPy values of one type into the values of a Spark column vector. Built on the driver from the dtype and
 * shipped to executors with the reader factory, so it holds only what conversion needs.
 *
 * <p>All reads are absolute and little-endian on the source buffer; readers of big-endian types swap bytes.
 */
abstract class ValueReader implements Serializable {
  private static final long serialVersionUID = 1L;

  /**
   * Reads {@code count} values, value {@code k} from source byte {@code srcPos + k * srcStride} into vector row
   * {@code dstRow + k * dstStride}.
   */
  abstract void read(ByteBuffer src, int srcPos, int srcStride, WritableColumnVector dst, int dstRow, int dstStride,
      int count, Scratch scratch);

  /**
   * This reader restricted to the part of its Spark type a query asks for (nested column pruning): only structs
   * have parts to leave out.
   */
  ValueReader prune(DataType requested) {
    return this;
  }

  /**
   * How Spark can read this reader's values where they lie ({@link WindowColumnVector}), or null when they must be
   * converted: the value's bytes must be the Spark value in the machine's byte order, or an unsigned one widened.
   */
  WindowColumnVector.Kind inPlaceKind() {
    return null;
  }

  /** {@code kind} for values in the file's byte order {@code bigEndian}: null unless that is the machine's. */
  static WindowColumnVector.Kind nativeOrder(boolean bigEndian, WindowColumnVector.Kind kind) {
    return bigEndian == BufferAddress.NATIVE_LITTLE_ENDIAN ? null : kind;
  }

  /** Makes room in {@code dst} for the rows a read writes. */
  static void reserve(WritableColumnVector dst, int dstRow, int dstStride, int count) {
    if (count > 0) {
      dst.reserve(dstRow + (count - 1) * dstStride + 1);
    }
  }

  /**
   * Per-reader working memory: a byte array to copy mapped bytes into before Spark's bulk {@code put*} methods,
   * which take arrays. One per partition reader, so never shared between threads.
   */
  static final class Scratch {
    private byte[] bytes = new byte[64];
    private int offset;

    /**
     * The array holding {@code length} bytes of {@code src} from {@code pos}; they start at {@link #offset()}.
     * A heap buffer's own array is returned without a copy.
     */
    byte[] load(ByteBuffer src, int pos, int length) {
      if (src.hasArray()) {
        offset = src.arrayOffset() + pos;
        return src.array();
      }
      byte[] target = buffer(length);
      src.get(pos, target, 0, length);
      offset = 0;
      return target;
    }

    /**
     * The array holding {@code count} values of {@code itemSize} bytes (1, 2, 4 or 8), value {@code k} from byte
     * {@code pos + k * stride} of {@code src}, packed from {@link #offset()}, for Spark's bulk {@code put*}
     * methods. Contiguous values are {@link #load}ed; strided ones (a column of a C-order matrix) are gathered by
     * address after one range check ({@link BufferAddress}), in the machine's byte order both ways.
     */
    byte[] values(ByteBuffer src, int pos, int stride, int count, int itemSize) {
      if (stride == itemSize) {
        return load(src, pos, count * itemSize);
      }
      BufferAddress.checkRange(src, pos, stride, count, itemSize);
      byte[] target = buffer(count * itemSize);
      Object base = BufferAddress.base(src);
      long from = BufferAddress.offset(src, pos);
      long to = Platform.BYTE_ARRAY_OFFSET;
      switch (itemSize) {
        case 1:
          for (int k = 0; k < count; k++, from += stride) {
            Platform.putByte(target, to + k, Platform.getByte(base, from));
          }
          break;
        case 2:
          for (int k = 0; k < count; k++, from += stride) {
            Platform.putShort(target, to + 2L * k, Platform.getShort(base, from));
          }
          break;
        case 4:
          for (int k = 0; k < count; k++, from += stride) {
            Platform.putInt(target, to + 4L * k, Platform.getInt(base, from));
          }
          break;
        case 8:
          for (int k = 0; k < count; k++, from += stride) {
            Platform.putLong(target, to + 8L * k, Platform.getLong(base, from));
          }
          break;
        default:
          throw new IllegalArgumentException("values of " + itemSize + " bytes");
      }
      offset = 0;
      return target;
    }

    /** Where the bytes {@link #load} and {@link #values} returned start. */
    int offset() {
      return offset;
    }

    /** A scratch array of at least {@code length} bytes; its contents are undefined. */
    byte[] buffer(int length) {
      if (bytes.length < length) {
        bytes = new byte[(int) Math.min(Integer.MAX_VALUE - 16, Math.max(length, 2L * bytes.length))];
      }
      return bytes;
    }
  }
}
