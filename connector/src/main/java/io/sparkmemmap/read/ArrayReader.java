package io.sparkmemmap.read;

import java.nio.ByteBuffer;
import org.apache.spark.sql.execution.vectorized.WritableColumnVector;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;

/**
 * A fixed-shape block of C-ordered elements (a subarray field) as nested Spark arrays: {@code (2, 3)} of
 * {@code <f4} is {@code array<array<float>>}. Element {@code j} of the item in vector row {@code r} lands at row
 * {@code r * K + j} of the innermost vector, {@code K} being the element count.
 */
final class ArrayReader extends ValueReader {
  private static final long serialVersionUID = 1L;

  private final int[] dims;
  private final int elementCount;
  private final int elementStride;
  private final ValueReader element;

  /**
   * @param dims the array shape, at least one axis
   * @param elementStride bytes from one element to the next in the source
   * @param element the reader of one element
   */
  ArrayReader(int[] dims, int elementStride, ValueReader element) {
    this.dims = dims.clone();
    this.elementCount = elementCount(dims);
    this.elementStride = elementStride;
    this.element = element;
  }

  @Override
  void read(ByteBuffer src, int srcPos, int srcStride, WritableColumnVector dst, int dstRow, int dstStride,
      int count, Scratch scratch) {
    WritableColumnVector leaf = setOffsets(dst, dims, dstRow, dstStride, count);
    int k = elementCount;
    if (dstStride == 1 && srcStride == k * elementStride) {
      element.read(src, srcPos, elementStride, leaf, dstRow * k, 1, count * k, scratch);
    } else {
      for (int j = 0; j < k; j++) {
        element.read(src, srcPos + j * elementStride, srcStride, leaf, dstRow * k + j, dstStride * k, count, scratch);
      }
    }
  }

  @Override
  ValueReader prune(DataType requested) {
    DataType elementType = requested;
    for (int axis = 0; axis < dims.length; axis++) {
      if (!(elementType instanceof ArrayType array)) {
        throw new IllegalArgumentException("a " + dims.length + "-d array cannot be read as "
            + requested.simpleString());
      }
      elementType = array.elementType();
    }
    return new ArrayReader(dims, elementStride, element.prune(elementType));
  }

  /** The number of elements of a shape, which Spark must be able to index with an int. */
  static int elementCount(int[] dims) {
    long n = 1;
    for (int d : dims) {
      n *= d;
      if (n > Integer.MAX_VALUE - 15) {
        throw new IllegalArgumentException("an array of shape " + java.util.Arrays.toString(dims)
            + " has more elements than a Spark array can hold");
      }
    }
    return (int) n;
  }

  /**
   * Writes the offsets and lengths of fixed-shape nested arrays for {@code count} vector rows
   * {@code first + k * stride} and returns the innermost vector, which the caller fills at rows
   * {@code row * K + j}.
   */
  static WritableColumnVector setOffsets(WritableColumnVector vector, int[] dims, int first, int stride, int count) {
    return setOffsets(vector, dims, 0, first, stride, count);
  }

  private static WritableColumnVector setOffsets(WritableColumnVector vector, int[] dims, int axis, int first,
      int stride, int count) {
    reserve(vector, first, stride, count);
    int d = dims[axis];
    for (int k = 0; k < count; k++) {
      int row = first + k * stride;
      vector.putArray(row, row * d, d);
    }
    WritableColumnVector child = vector.arrayData();
    if (axis + 1 == dims.length) {
      return child;
    }
    if (stride == 1) {
      return setOffsets(child, dims, axis + 1, first * d, 1, count * d);
    }
    WritableColumnVector leaf = child;
    for (int i = 0; i < d; i++) {
      leaf = setOffsets(child, dims, axis + 1, first * d + i, stride * d, count);
    }
    return leaf;
  }
}
