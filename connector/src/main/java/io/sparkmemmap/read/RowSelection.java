package io.sparkmemmap.read;

import java.util.Arrays;

/**
 * The values of {@code _row_index} a read keeps: sorted, disjoint, non-adjacent intervals {@code [from, to)} within
 * {@code [0, Long.MAX_VALUE)}. What pushed {@code _row_index} predicates keep in every file, and what a scan reads
 * of one file ({@link SelectedRows}); rows outside are never mapped.
 */
final class RowSelection {
  /** The end of the domain: no array has this many rows. */
  static final long END = Long.MAX_VALUE;

  static final RowSelection ALL = new RowSelection(new long[] {0, END});
  static final RowSelection NONE = new RowSelection(new long[0]);

  /** {@code from0, to0, from1, to1, ...}, increasing, with gaps between intervals. */
  private final long[] bounds;

  private RowSelection(long[] bounds) {
    this.bounds = bounds;
  }

  /** Rows {@code [from, to)}, clipped to the domain. */
  static RowSelection range(long from, long to) {
    long start = Math.max(0, from);
    long end = Math.min(END, to);
    return start >= end ? NONE : new RowSelection(new long[] {start, end});
  }

  /** The single row {@code row}. */
  static RowSelection row(long row) {
    return row < 0 || row >= END ? NONE : range(row, row + 1);
  }

  /** Several rows, in any order and with repeats, as {@code IN} gives them; impossible ones are left out. */
  static RowSelection rows(long[] rows) {
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
    return of(Arrays.copyOf(result, n));
  }

  private static RowSelection of(long[] bounds) {
    return bounds.length == 0 ? NONE : new RowSelection(bounds);
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

  RowSelection intersect(RowSelection other) {
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
    return of(Arrays.copyOf(result, n));
  }

  RowSelection union(RowSelection other) {
    return complement().intersect(other.complement()).complement();
  }

  /** The rows of the domain not in this set. */
  RowSelection complement() {
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
    return of(Arrays.copyOf(result, n));
  }

  /** The rows below {@code rows}: this set within a file of that many rows. */
  RowSelection below(long rows) {
    return intersect(range(0, rows));
  }

  /** The rows at ordinals {@code [skip, skip + take)} of this set, in order. */
  RowSelection slice(long skip, long take) {
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
    return of(Arrays.copyOf(result, n));
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof RowSelection other && Arrays.equals(bounds, other.bounds);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(bounds);
  }

  /** {@code [0, 10), [20, end)}, or {@code none}. */
  @Override
  public String toString() {
    if (isEmpty()) {
      return "none";
    }
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < bounds.length; i += 2) {
      sb.append(i == 0 ? "" : ", ").append('[').append(bounds[i]).append(", ")
          .append(bounds[i + 1] == END ? "end" : Long.toString(bounds[i + 1])).append(')');
    }
    return sb.toString();
  }
}
