package io.sparkmemmap.read;

import java.io.Serializable;
import java.nio.ByteBuffer;
import org.apache.spark.sql.execution.vectorized.WritableColumnVector;
import org.apache.spark.sql.types.DataType;

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

    /** Where the bytes {@link #load} returned start. */
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
