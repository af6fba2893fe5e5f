package io.sparkmemmap.read;

import java.io.Serializable;
import java.nio.ByteBuffer;
import java.util.BitSet;
import org.apache.spark.sql.execution.vectorized.WritableColumnVector;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;

/**
 * How one output column is read from a row: the items {@code firstItem .. firstItem + K} of the row (all of them
 * as an array of the trailing shape, or a single one), each at {@code byteOffset} within the item (a field's
 * offset), converted by {@code reader}.
 */
final class ColumnPlan implements Serializable {
  private static final long serialVersionUID = 1L;

  private final int firstItem;
  private final int[] arrayDims;
  private final int itemCount;
  private final int byteOffset;
  private final ValueReader reader;

  /**
   * @param firstItem the first item of the row the column reads
   * @param arrayDims the shape of the array the column holds; empty for a column of one item
   * @param byteOffset where in each item the column's value starts
   * @param reader the reader of the value
   */
  ColumnPlan(int firstItem, int[] arrayDims, int byteOffset, ValueReader reader) {
    this.firstItem = firstItem;
    this.arrayDims = arrayDims.clone();
    this.itemCount = ArrayReader.elementCount(arrayDims);
    this.byteOffset = byteOffset;
    this.reader = reader;
  }

  /** Where in a row of {@code layout} the column's (single) value lies: its segment. */
  int segment(RowLayout layout) {
    return layout.segmentOf(firstItem);
  }

  /** Where in a row of {@code layout} the column's (single) value lies: bytes from the row's start in its segment. */
  int offsetInRow(RowLayout layout) {
    return layout.itemOffset(firstItem) + byteOffset;
  }

  /** The reader of the column's values. */
  ValueReader reader() {
    return reader;
  }

  /** This column restricted to the nested fields a query asks for. */
  ColumnPlan prune(DataType requested) {
    DataType valueType = requested;
    for (int axis = 0; axis < arrayDims.length; axis++) {
      if (!(valueType instanceof ArrayType array)) {
        throw new IllegalArgumentException("an array column cannot be read as " + requested.simpleString());
      }
      valueType = array.elementType();
    }
    return new ColumnPlan(firstItem, arrayDims, byteOffset, reader.prune(valueType));
  }

  /** Marks the segments this column reads. */
  void addSegments(RowLayout layout, BitSet segments) {
    for (int item = firstItem; item < firstItem + itemCount; item++) {
      segments.set(layout.segmentOf(item));
    }
  }

  /** Whether the column holds one value a row, not an array. */
  boolean scalar() {
    return arrayDims.length == 0;
  }

  /**
   * Fills rows {@code [from, from + rows)} of {@code vector} with the values of a {@link #scalar} column; segment
   * {@code s} of row 0 starts at byte {@code positions[s]} of {@code buffers[s]}.
   */
  void fillScalar(RowLayout layout, ByteBuffer[] buffers, int[] positions, WritableColumnVector vector, int from,
      int rows, ValueReader.Scratch scratch) {
    int stride = layout.stride();
    int segment = layout.segmentOf(firstItem);
    reader.read(buffers[segment], positions[segment] + from * stride + layout.itemOffset(firstItem) + byteOffset,
        stride, vector, from, 1, rows, scratch);
  }

  /**
   * Fills {@code rows} rows of {@code vector} with the arrays of a column that is not {@link #scalar}; segment
   * {@code s} of those rows starts at byte {@code positions[s]} of {@code buffers[s]}.
   */
  void fillArrays(RowLayout layout, ByteBuffer[] buffers, int[] positions, WritableColumnVector vector, int rows,
      ValueReader.Scratch scratch) {
    int stride = layout.stride();
    WritableColumnVector leaf = ArrayReader.setOffsets(vector, arrayDims, 0, 1, rows);
    if (itemCount == 0) {
      return; // empty arrays: nothing to read
    }
    if (!layout.fortran() && itemCount == layout.itemsPerRow()) {
      // All items of every row, adjacent: one run of values.
      reader.read(buffers[0], positions[0] + byteOffset, layout.itemSize(), leaf, 0, 1, rows * itemCount, scratch);
      return;
    }
    for (int k = 0; k < itemCount; k++) {
      int item = firstItem + k;
      int segment = layout.segmentOf(item);
      reader.read(buffers[segment], positions[segment] + layout.itemOffset(item) + byteOffset, stride, leaf, k,
          itemCount, rows, scratch);
    }
  }
}
