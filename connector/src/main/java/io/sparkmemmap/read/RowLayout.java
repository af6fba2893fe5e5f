package io.sparkmemmap.read;

import java.io.Serializable;

/**
 * Where the items of a row lie: a row is {@code itemsPerRow} items of {@code itemSize} bytes (the trailing shape
 * of the array; one item for 1-D arrays and the flat layout). In C order a row's items are adjacent and rows follow
 * each other; in Fortran order each item position is a segment of its own holding that item of every row, so a
 * range of rows is one run of bytes per segment.
 */
final class RowLayout implements Serializable {
  private static final long serialVersionUID = 1L;

  /** The most bytes a row may take: a row is never split between spans. */
  static final long MAX_ROW_BYTES = FileRows.MAX_SPAN_BYTES;

  private final boolean fortran;
  private final int itemSize;
  private final int itemsPerRow;
  /** Fortran order: the segment of each item, by the item's C-order index. */
  private final int[] segmentOfItem;

  RowLayout(boolean fortran, int itemSize, int[] trailing) {
    this.itemSize = itemSize;
    this.itemsPerRow = ArrayReader.elementCount(trailing);
    this.fortran = fortran && itemsPerRow > 1;
    this.segmentOfItem = this.fortran ? fortranIndices(trailing, itemsPerRow) : null;
    if ((long) itemSize * itemsPerRow > MAX_ROW_BYTES) {
      throw new IllegalArgumentException("a row of " + ((long) itemSize * itemsPerRow) + " bytes is larger than the "
          + MAX_ROW_BYTES + " bytes a task maps at once; read it with option layout=flat");
    }
  }

  boolean fortran() {
    return fortran;
  }

  int itemSize() {
    return itemSize;
  }

  int itemsPerRow() {
    return itemsPerRow;
  }

  /** Bytes of one row: all its items. */
  int rowBytes() {
    return itemSize * itemsPerRow;
  }

  /** Runs of bytes a range of rows spans: one per item position in Fortran order, else one. */
  int segmentCount() {
    return fortran ? itemsPerRow : 1;
  }

  /** Bytes from one row to the next within a segment. */
  int stride() {
    return fortran ? itemSize : rowBytes();
  }

  /** Offset of segment {@code segment} from the start of the data, for an array of {@code rows} rows. */
  long segmentStart(int segment, long rows) {
    return (long) segment * rows * itemSize;
  }

  /** The segment holding item {@code item} (a C-order index into the trailing shape). */
  int segmentOf(int item) {
    return fortran ? segmentOfItem[item] : 0;
  }

  /** For each C-order index of the trailing shape, its Fortran-order index: the first axis varies fastest. */
  private static int[] fortranIndices(int[] dims, int count) {
    int[] result = new int[count];
    int[] index = new int[dims.length];
    for (int item = 0; item < count; item++) {
      int fortranIndex = 0;
      int scale = 1;
      for (int axis = 0; axis < dims.length; axis++) {
        fortranIndex += index[axis] * scale;
        scale *= dims[axis];
      }
      result[item] = fortranIndex;
      for (int axis = dims.length - 1; axis >= 0; axis--) { // next C-order multi-index
        if (++index[axis] < dims[axis]) {
          break;
        }
        index[axis] = 0;
      }
    }
    return result;
  }

  /** Offset of item {@code item} from the start of its row within its segment. */
  int itemOffset(int item) {
    return fortran ? 0 : item * itemSize;
  }
}
