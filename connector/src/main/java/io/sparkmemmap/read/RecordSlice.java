package io.sparkmemmap.read;

/**
 * Records {@code [from, from + count)} of a {@link RecordIndex}, as one task reads them: where each starts in the
 * data file (in elements from the data's first byte) and how many elements it has, and the values of the index
 * columns asked for.
 */
final class RecordSlice {
  /** The most records a slice holds: about 1.5 MiB of offsets, lengths and one index column. */
  static final int MAX_RECORDS = 1 << 16;

  private final long from;
  private final long[] starts;
  private final int[] lengths;
  private final long[][] columns;

  /**
   * @param from the first record's index
   * @param starts each record's first element, counted from the data's first element
   * @param lengths each record's element count
   * @param columns for each index column asked for, its value for each record
   */
  RecordSlice(long from, long[] starts, int[] lengths, long[][] columns) {
    if (starts.length != lengths.length) {
      throw new IllegalArgumentException(starts.length + " starts but " + lengths.length + " lengths");
    }
    this.from = from;
    this.starts = starts;
    this.lengths = lengths;
    this.columns = columns;
  }

  long from() {
    return from;
  }

  int count() {
    return lengths.length;
  }

  long start(int record) {
    return starts[record];
  }

  int length(int record) {
    return lengths[record];
  }

  /** The value of index column {@code column} (its position among those asked for) of a record. */
  long column(int column, int record) {
    return columns[column][record];
  }
}
