package io.sparkmemmap.read;

import java.util.ArrayList;
import java.util.List;

/**
 * The rows of each input array a scan reads: those the pushed {@code _row_index} predicates keep within each file,
 * then, over the files in order, those the pushed OFFSET and LIMIT keep. Decided on the driver from headers alone.
 */
final class RowSelection {
  private final List<ArrayFile> files;
  private final List<RowRanges> rows;
  private final long rowCount;

  private RowSelection(List<ArrayFile> files, List<RowRanges> rows) {
    this.files = files;
    this.rows = List.copyOf(rows);
    long total = 0;
    for (RowRanges r : rows) {
      total += r.count();
    }
    this.rowCount = total;
  }

  /**
   * @param files the input arrays, in order
   * @param rowFilter the rows kept in every file
   * @param skip rows of the filtered concatenation to leave out first (OFFSET)
   * @param take rows to keep after those, or a negative number for all (LIMIT minus OFFSET)
   */
  static RowSelection of(List<ArrayFile> files, RowRanges rowFilter, long skip, long take) {
    List<RowRanges> rows = new ArrayList<>(files.size());
    long toSkip = skip;
    long toTake = take < 0 ? Long.MAX_VALUE : take;
    for (ArrayFile file : files) {
      RowRanges kept = rowFilter.below(file.rows());
      if (toSkip > 0 || toTake < Long.MAX_VALUE) {
        long count = kept.count();
        kept = kept.slice(toSkip, toTake);
        long taken = kept.count();
        toSkip = Math.max(0, toSkip - count);
        toTake -= taken;
      }
      rows.add(kept);
    }
    return new RowSelection(files, rows);
  }

  /** Every row of every file. */
  static RowSelection all(List<ArrayFile> files) {
    return of(files, RowRanges.all(), 0, -1);
  }

  List<ArrayFile> files() {
    return files;
  }

  /** The rows read of file {@code index}. */
  RowRanges rows(int index) {
    return rows.get(index);
  }

  /** Rows read in all. */
  long rowCount() {
    return rowCount;
  }

  /** Bytes of array data the selected rows span. */
  long dataBytes(RowLayout layout) {
    return rowCount * layout.rowBytes();
  }
}
