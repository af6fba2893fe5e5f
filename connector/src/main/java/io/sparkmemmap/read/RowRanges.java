package io.sparkmemmap.read;

import java.util.Arrays;

/**
 * A set of row indices: sorted, disjoint, non-adjacent half-open intervals {@code [from, to)} within
 * {@code [0, Long.MAX_VALUE)}. What a pushed {@code _row_index} predicate selects in every file, and what a scan
 * reads of one file.
 */
final class RowRanges {
  /** The end of the domain: no array has this many rows. */
  static final long END = Long.MAX_VALUE;

  private static final RowRanges ALL = new RowRanges(new long[] {0, END});
  private static final RowRanges NONE = new RowRanges(new long[0]);

  /** {@code from0, to0, from1, to1, ...}, increasing, with gaps between intervals. */
  private final long[] bounds;

  private RowRanges(long[] bounds) {
    this.bounds = bounds;
  }

  static RowRanges all() {
    return ALL;
  }

  static RowRanges none() {
    return NONE;
  }

  /** Rows {@code [from, to)}, clipped to the domain. */
  static RowRanges range(long from, long to) {
    long start = Math.max(0, from);
    long end = Math.min(END, to);
    return start >= end ? NONE : new RowRanges(new long[] {start, end});
  }

  /** The given rows; negative ones are left out. */
  static RowRanges points(long[] rows) {
    long[] sorted = rows.clone();
    Arrays.sort(sorted);
    long[] result = new long[2 * sorted.length];
    int n = 0;
    for (long row : sorted) {
      if (row < 0 || row >= END) {
        continue;
      }
      if (n > 0 && result[n - 1] >= row) {
        result[n - 1] = Math.max(result[n - 1], row + 1);
      } else {
        result[n++] = row;
        result[n++] = row + 1;
      }
    }
    return new RowRanges(Arrays.copyOf(result, n));
  }

  boolean isAll() {
    return bounds.length == 2 && bounds[0] == 0 && bounds[1] == END;
  }

  boolean isEmpty() {
    return bounds.length == 0;
  }

  int intervalCount() {
    return bounds.length / 2;
  }

  long from(int interval) {
    return bounds[2 * interval];
  }

  long to(int interval) {
    return bounds[2 * interval + 1];
  }

  /** The number of rows, saturating at {@link #END}. */
  long count() {
    long total = 0;
    for (int i = 0; i < bounds.length; i += 2) {
      long n = bounds[i + 1] - bounds[i];
      if (total > END - n) {
        return END;
      }
      total += n;
    }
    return total;
  }

  RowRanges and(RowRanges other) {
    long[] result = new long[bounds.length + other.bounds.length];
    int n = 0;
    int i = 0;
    int j = 0;
    while (i < bounds.length && j < other.bounds.length) {
      long from = Math.max(bounds[i], other.bounds[j]);
      long to = Math.min(bounds[i + 1], other.bounds[j + 1]);
      if (from < to) {
        result[n++] = from;
        result[n++] = to;
      }
      if (bounds[i + 1] < other.bounds[j + 1]) {
        i += 2;
      } else {
        j += 2;
      }
    }
    return new RowRanges(Arrays.copyOf(result, n));
  }

  RowRanges or(RowRanges other) {
    return not().and(other.not()).not();
  }

  /** The rows of the domain not in this set. */
  RowRanges not() {
    long[] result = new long[bounds.length + 2];
    int n = 0;
    long previousEnd = 0;
    for (int i = 0; i < bounds.length; i += 2) {
      if (bounds[i] > previousEnd) {
        result[n++] = previousEnd;
        result[n++] = bounds[i];
      }
      previousEnd = bounds[i + 1];
    }
    if (previousEnd < END) {
      result[n++] = previousEnd;
      result[n++] = END;
    }
    return new RowRanges(Arrays.copyOf(result, n));
  }

  /** The rows below {@code rows}: this set within a file of that many rows. */
  RowRanges below(long rows) {
    return and(range(0, rows));
  }

  /** The rows at ordinals {@code [skip, skip + take)} of this set, in order. */
  RowRanges slice(long skip, long take) {
    long[] result = new long[bounds.length];
    int n = 0;
    long toSkip = skip;
    long toTake = take;
    for (int i = 0; i < bounds.length && toTake > 0; i += 2) {
      long from = bounds[i];
      long length = bounds[i + 1] - from;
      if (toSkip >= length) {
        toSkip -= length;
        continue;
      }
      from += toSkip;
      length -= toSkip;
      toSkip = 0;
      long taken = Math.min(length, toTake);
      result[n++] = from;
      result[n++] = from + taken;
      toTake -= taken;
    }
    return new RowRanges(Arrays.copyOf(result, n));
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof RowRanges other && Arrays.equals(bounds, other.bounds);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(bounds);
  }

  /** {@code [0, 10) [20, 21)}; {@code all} and {@code none} for the trivial sets. */
  @Override
  public String toString() {
    if (isAll()) {
      return "all";
    }
    if (isEmpty()) {
      return "none";
    }
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < bounds.length; i += 2) {
      if (i > 0) {
        sb.append(' ');
      }
      sb.append('[').append(bounds[i]).append(", ").append(bounds[i + 1] == END ? "end" : bounds[i + 1])
          .append(')');
    }
    return sb.toString();
  }
}
