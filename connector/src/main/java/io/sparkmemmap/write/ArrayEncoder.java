package io.sparkmemmap.write;

import java.nio.ByteBuffer;
import org.apache.spark.sql.catalyst.expressions.SpecializedGetters;
import org.apache.spark.sql.catalyst.util.ArrayData;

/**
 * A Spark array of a fixed length as consecutive NumPy elements: a subarray field, or the trailing axes of an N-D
 * array. An array of another length is an error: NumPy arrays are not ragged.
 */
final class ArrayEncoder extends ValueEncoder {
  private final ValueEncoder element;
  private final int length;
  /** Where the length comes from, for the error on a ragged array: "earlier rows have", "the dtype gives". */
  private final String lengthOrigin;

  ArrayEncoder(String column, ValueEncoder element, int length, String lengthOrigin) {
    super(column, Math.multiplyExact(element.byteSize, length));
    this.element = element;
    this.length = length;
    this.lengthOrigin = lengthOrigin;
  }

  @Override
  void encode(SpecializedGetters src, int ordinal, ByteBuffer buf, int pos) {
    if (src.isNullAt(ordinal)) {
      encodeNull(buf, pos);
      return;
    }
    ArrayData array = src.getArray(ordinal);
    int n = array.numElements();
    if (n != length) {
      throw new NpyWriteException("column '" + column + "' holds arrays of different lengths: " + n + " where "
          + lengthOrigin + " " + length + "; NumPy arrays cannot be ragged, so pad or filter the arrays to one "
          + "length first");
    }
    int size = element.byteSize;
    for (int i = 0; i < n; i++) {
      element.encode(array, i, buf, pos + i * size);
    }
  }

  @Override
  void encodeNull(ByteBuffer buf, int pos) {
    try {
      if (length == 0 && !element.writesNulls()) {
        element.encodeNull(ByteBuffer.allocate(element.byteSize), 0); // throws the element's explanation
      }
      for (int i = 0; i < length; i++) {
        element.encodeNull(buf, pos + i * element.byteSize);
      }
    } catch (NpyWriteException e) {
      throw new NpyWriteException("column '" + column + "' holds a null array; " + e.getMessage(), e);
    }
  }

  @Override
  boolean writesNulls() {
    return element.writesNulls();
  }

  @Override
  boolean hasGaps() {
    return element.hasGaps();
  }
}
