package io.sparkmemmap.read;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * SUM over up to {@value #WIDTH} little-endian float32 (or float64) columns of one segment whose only aggregate is
 * SUM, added up together straight from the mapped bytes. Each column is still added in row order from 0.0, exactly
 * as {@link ColumnStats#addDoubles} adds, but the columns' chains of additions are independent of one another, so
 * the CPU overlaps them, where a single chain waits on each addition. Summing the 16 columns of a (2^24, 16)
 * float32 array this way took half the CPU time of decoding each column into an array and adding that up.
 */
final class FloatSums {
  static final int WIDTH = 4;

  /** Indices of the columns in the plan. */
  private final int[] columns;
  private final int segment;
  /** Where each column's value lies in a row; unused slots repeat the last column, and their sums are dropped. */
  private final int[] offsets = new int[WIDTH];
  private final boolean doubles;

  private FloatSums(List<Integer> columns, List<AggregateColumn> all) {
    this.columns = columns.stream().mapToInt(Integer::intValue).toArray();
    AggregateColumn first = all.get(this.columns[0]);
    this.segment = first.segment();
    this.doubles = first.itemSize() == 8;
    for (int i = 0; i < WIDTH; i++) {
      offsets[i] = all.get(this.columns[Math.min(i, this.columns.length - 1)]).offsetInRow();
    }
  }

  /** The plan's sum-only little-endian float32 and float64 columns, in groups of one segment and item size. */
  static List<FloatSums> of(AggregatePlan plan) {
    List<AggregateColumn> all = plan.columns();
    List<FloatSums> groups = new ArrayList<>();
    boolean[] taken = new boolean[all.size()];
    for (int c = 0; c < all.size(); c++) {
      if (taken[c] || !fusable(plan, c)) {
        continue;
      }
      List<Integer> group = new ArrayList<>();
      for (int d = c; d < all.size() && group.size() < WIDTH; d++) {
        if (!taken[d] && fusable(plan, d) && all.get(d).segment() == all.get(c).segment()
            && all.get(d).itemSize() == all.get(c).itemSize()) {
          group.add(d);
          taken[d] = true;
        }
      }
      groups.add(new FloatSums(group, all));
    }
    return groups;
  }

  private static boolean fusable(AggregatePlan plan, int column) {
    return plan.sumOnly(column) && plan.columns().get(column).nativeFloatingPoint();
  }

  /** Whether this group adds up column {@code column} of the plan. */
  boolean covers(int column) {
    for (int c : columns) {
      if (c == column) {
        return true;
      }
    }
    return false;
  }

  /**
   * Adds {@code n} rows to the columns' sums; row {@code k} starts at byte {@code positions[segment] + skip + k *
   * stride} of {@code buffers[segment]}.
   */
  void add(ByteBuffer[] buffers, int[] positions, int skip, int stride, int n, ColumnStats[] stats) {
    ByteBuffer buf = buffers[segment];
    int row = positions[segment] + skip;
    if (columns.length == 1) {
      addOne(buf, row + offsets[0], stride, n, stats[columns[0]]); // no chains to overlap: no padding either
      return;
    }
    int p0 = row + offsets[0];
    int p1 = row + offsets[1];
    int p2 = row + offsets[2];
    int p3 = row + offsets[3];
    double s0 = stats[columns[0]].doubleSum();
    double s1 = stats[columns[1]].doubleSum();
    double s2 = columns.length > 2 ? stats[columns[2]].doubleSum() : 0;
    double s3 = columns.length > 3 ? stats[columns[3]].doubleSum() : 0;
    if (doubles) {
      for (int k = 0, at = 0; k < n; k++, at += stride) {
        s0 += buf.getDouble(p0 + at);
        s1 += buf.getDouble(p1 + at);
        s2 += buf.getDouble(p2 + at);
        s3 += buf.getDouble(p3 + at);
      }
    } else {
      for (int k = 0, at = 0; k < n; k++, at += stride) {
        s0 += buf.getFloat(p0 + at);
        s1 += buf.getFloat(p1 + at);
        s2 += buf.getFloat(p2 + at);
        s3 += buf.getFloat(p3 + at);
      }
    }
    double[] sums = {s0, s1, s2, s3};
    for (int i = 0; i < columns.length; i++) {
      stats[columns[i]].addSum(sums[i], n);
    }
  }

  private void addOne(ByteBuffer buf, int p, int stride, int n, ColumnStats stats) {
    double s = stats.doubleSum();
    if (doubles) {
      for (int k = 0, at = 0; k < n; k++, at += stride) {
        s += buf.getDouble(p + at);
      }
    } else {
      for (int k = 0, at = 0; k < n; k++, at += stride) {
        s += buf.getFloat(p + at);
      }
    }
    stats.addSum(s, n);
  }
}
