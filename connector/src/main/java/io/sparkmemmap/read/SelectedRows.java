package io.sparkmemmap.read;

import java.util.ArrayList;
import java.util.List;

/**
 * The rows of each input array a scan reads: those the pushed {@code _row_index} predicates keep within each file,
 * then, over the files in order, those the pushed OFFSET and LIMIT keep. Decided on the driver from headers alone.
 */
final class SelectedRows {
  private final List<ArrayFile> files;
  private final List<RowSelection> rows;
  private final long rowCount;

  private SelectedRows(List<ArrayFile> files, List<RowSelection> rows) {
    this.files = files;
    this.rows = List.copyOf(rows);
    long total = 0;
    for (RowSelection r : rows) {
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
  static SelectedRows of(List<ArrayFile> files, RowSelection rowFilter, long skip, long take) {
    List<RowSelection> rows = new ArrayList<>(files.size());
    long toSkip = skip;
    long toTake = take < 0 ? Long.MAX_VALUE : take;
    for (ArrayFile file : files) {
      RowSelection kept = rowFilter.below(file.rows());
      if (toSkip > 0 || toTake < Long.MAX_VALUE) {
        long count = kept.count();
        kept = kept.slice(toSkip, toTake);
        long taken = kept.count();
        toSkip = Math.max(0, toSkip - count);
        toTake -= taken;
      }
      rows.add(kept);
    }
    return new SelectedRows(files, rows);
  }

  /** The given rows of each file: the new rows a stream's micro-batch reads. */
  static SelectedRows of(List<ArrayFile> files, List<RowSelection> rows) {
    return new SelectedRows(List.copyOf(files), rows);
  }

  /** Every row of every file. */
  static SelectedRows all(List<ArrayFile> files) {
    return of(files, RowSelection.ALL, 0, -1);
  }

  List<ArrayFile> files() {
    return files;
  }

  /** The rows read of file {@code index}. */
  RowSelection rows(int index) {
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
