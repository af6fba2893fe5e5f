package io.sparkmemmap.read;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The values of {@code _row_index} a read keeps: sorted, disjoint, non-empty intervals {@code [from, to)} of
 * non-negative longs. Planning intersects each file's rows with them, so rows outside are never mapped.
 */
final class RowSelection implements Serializable {
  private static final long serialVersionUID = 1L;

  static final RowSelection ALL = new RowSelection(new long[] {0, Long.MAX_VALUE});
  static final RowSelection NONE = new RowSelection(new long[0]);

  /** from0, to0, from1, to1, ... */
  private final long[] bounds;

  private RowSelection(long[] bounds) {
    this.bounds = bounds;
  }

  /** Rows {@code [from, to)}, clipped to non-negative indexes. */
  static RowSelection range(long from, long to) {
    long start = Math.max(0, from);
    return start >= to ? NONE : new RowSelection(new long[] {start, to});
  }

  /** The single row {@code row}. */
  static RowSelection row(long row) {
    return row < 0 || row == Long.MAX_VALUE ? NONE : range(row, row + 1);
  }

  boolean isAll() {
    return bounds.length == 2 && bounds[0] == 0 && bounds[1] == Long.MAX_VALUE;
  }

  RowSelection intersect(RowSelection other) {
    List<Long> result = new ArrayList<>();
    int i = 0;
    int j = 0;
    while (i < bounds.length && j < other.bounds.length) {
      long from = Math.max(bounds[i], other.bounds[j]);
      long to = Math.min(bounds[i + 1], other.bounds[j + 1]);
      if (from < to) {
        result.add(from);
        result.add(to);
      }
      if (bounds[i + 1] < other.bounds[j + 1]) {
        i += 2;
      } else {
        j += 2;
      }
    }
    return of(result);
  }

  RowSelection union(RowSelection other) {
    long[] all = new long[bounds.length + other.bounds.length];
    System.arraycopy(bounds, 0, all, 0, bounds.length);
    System.arraycopy(other.bounds, 0, all, bounds.length, other.bounds.length);
    return normalized(all);
  }

  /** The rows of {@code [0, Long.MAX_VALUE)} not selected. */
  RowSelection complement() {
    List<Long> result = new ArrayList<>();
    long next = 0;
    for (int i = 0; i < bounds.length; i += 2) {
      if (bounds[i] > next) {
        result.add(next);
        result.add(bounds[i]);
      }
      next = bounds[i + 1];
    }
    if (next < Long.MAX_VALUE) {
      result.add(next);
      result.add(Long.MAX_VALUE);
    }
    return of(result);
  }

  /** The selected intervals within a file of {@code rows} rows, as {@code [from, to)} pairs. */
  List<long[]> within(long rows) {
    List<long[]> result = new ArrayList<>();
    for (int i = 0; i < bounds.length && bounds[i] < rows; i += 2) {
      result.add(new long[] {bounds[i], Math.min(rows, bounds[i + 1])});
    }
    return result;
  }

  /** How many rows of a file of {@code rows} rows are selected. */
  long count(long rows) {
    long n = 0;
    for (long[] interval : within(rows)) {
      n += interval[1] - interval[0];
    }
    return n;
  }

  /** A selection from several rows, in any order and with repeats, as {@code IN} gives them. */
  static RowSelection rows(long[] rows) {
    long[] sorted = rows.clone();
    Arrays.sort(sorted);
    List<Long> result = new ArrayList<>();
    for (long row : sorted) {
      if (row < 0 || row == Long.MAX_VALUE) {
        continue;
      }
      int n = result.size();
      if (n > 0 && result.get(n - 1) >= row) {
        result.set(n - 1, Math.max(result.get(n - 1), row + 1));
      } else {
        result.add(row);
        result.add(row + 1);
      }
    }
    return of(result);
  }

  private static RowSelection normalized(long[] pairs) {
    int count = pairs.length / 2;
    long[][] intervals = new long[count][];
    for (int i = 0; i < count; i++) {
      intervals[i] = new long[] {pairs[2 * i], pairs[2 * i + 1]};
    }
    Arrays.sort(intervals, (a, b) -> Long.compare(a[0], b[0]));
    List<Long> result = new ArrayList<>();
    for (long[] interval : intervals) {
      int n = result.size();
      if (n > 0 && result.get(n - 1) >= interval[0]) {
        result.set(n - 1, Math.max(result.get(n - 1), interval[1]));
      } else {
        result.add(interval[0]);
        result.add(interval[1]);
      }
    }
    return of(result);
  }

  private static RowSelection of(List<Long> bounds) {
    return bounds.isEmpty() ? NONE : new RowSelection(bounds.stream().mapToLong(Long::longValue).toArray());
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof RowSelection other && Arrays.equals(bounds, other.bounds);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(bounds);
  }

  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < bounds.length; i += 2) {
      sb.append(i == 0 ? "" : ", ").append('[').append(bounds[i]).append(", ")
          .append(bounds[i + 1] == Long.MAX_VALUE ? "end" : Long.toString(bounds[i + 1])).append(')');
    }
    return bounds.length == 0 ? "none" : sb.toString();
  }
}
