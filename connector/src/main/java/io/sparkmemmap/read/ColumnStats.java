package io.sparkmemmap.read;

import org.apache.spark.sql.catalyst.util.MathUtils;

/**
 * COUNT, MIN, MAX and SUM of one column over rows seen in order, with Spark's semantics: a minimum or maximum is
 * replaced only by a value strictly beyond it (as Spark's {@code Least}/{@code Greatest} do), doubles order NaN
 * above everything and -0.0 equal to 0.0, sums of integers are longs (checked for overflow under ANSI mode, as
 * Spark's {@code Sum} is, else wrapping) and sums of floating-point values are doubles added in row order from 0.0.
 * NaT counts are nulls: skipped.
 */
final class ColumnStats {
  private final boolean wantMinMax;
  private final boolean wantSum;
  private final boolean ansi;

  /** Non-null values seen. */
  private long count;
  private long minLong;
  private long maxLong;
  private double minDouble;
  private double maxDouble;
  private long longSum;
  private double doubleSum;

  ColumnStats(boolean wantMinMax, boolean wantSum, boolean ansi) {
    this.wantMinMax = wantMinMax;
    this.wantSum = wantSum;
    this.ansi = ansi;
  }

  long count() {
    return count;
  }

  long minLong() {
    return minLong;
  }

  long maxLong() {
    return maxLong;
  }

  double minDouble() {
    return minDouble;
  }

  double maxDouble() {
    return maxDouble;
  }

  long longSum() {
    return longSum;
  }

  double doubleSum() {
    return doubleSum;
  }

  /** Signed longs, none null. */
  void addLongs(long[] values, int n) {
    if (n == 0) {
      return;
    }
    if (wantMinMax) {
      long min = count == 0 ? values[0] : minLong;
      long max = count == 0 ? values[0] : maxLong;
      for (int k = 0; k < n; k++) {
        long v = values[k];
        min = Math.min(min, v);
        max = Math.max(max, v);
      }
      minLong = min;
      maxLong = max;
    }
    if (wantSum) {
      long sum = longSum;
      if (ansi) {
        for (int k = 0; k < n; k++) {
          try {
            sum = Math.addExact(sum, values[k]);
          } catch (ArithmeticException e) {
            MathUtils.addExact(sum, values[k]); // Spark's own overflow error
            throw e;
          }
        }
      } else {
        for (int k = 0; k < n; k++) {
          sum += values[k];
        }
      }
      longSum = sum;
    }
    count += n;
  }

  /** Unsigned longs ({@code u8}), none null: minimum and maximum only. */
  void addUnsigned(long[] values, int n) {
    if (n == 0) {
      return;
    }
    long min = count == 0 ? values[0] : minLong;
    long max = count == 0 ? values[0] : maxLong;
    for (int k = 0; k < n; k++) {
      long v = values[k];
      if (Long.compareUnsigned(v, min) < 0) {
        min = v;
      }
      if (Long.compareUnsigned(v, max) > 0) {
        max = v;
      }
    }
    minLong = min;
    maxLong = max;
    count += n;
  }

  /** Temporal counts, {@link Long#MIN_VALUE} (NaT) being null: count, minimum and maximum. */
  void addTemporal(long[] values, int n) {
    long seen = count;
    long min = minLong;
    long max = maxLong;
    for (int k = 0; k < n; k++) {
      long v = values[k];
      if (v == Long.MIN_VALUE) {
        continue;
      }
      if (seen++ == 0) {
        min = v;
        max = v;
      } else {
        min = Math.min(min, v);
        max = Math.max(max, v);
      }
    }
    minLong = min;
    maxLong = max;
    count = seen;
  }

  /** Doubles, none null. */
  void addDoubles(double[] values, int n) {
    if (n == 0) {
      return;
    }
    if (wantMinMax) {
      double min = count == 0 ? values[0] : minDouble;
      double max = count == 0 ? values[0] : maxDouble;
      for (int k = 0; k < n; k++) {
        double v = values[k];
        if (greater(min, v)) {
          min = v;
        }
        if (greater(v, max)) {
          max = v;
        }
      }
      minDouble = min;
      maxDouble = max;
    }
    if (wantSum) {
      double sum = count == 0 ? 0.0 : doubleSum;
      for (int k = 0; k < n; k++) {
        sum += values[k];
      }
      doubleSum = sum;
    }
    count += n;
  }

  /**
   * Takes the sum of {@code n} more values (none null) that the caller added up in row order onto
   * {@link #doubleSum()}, as {@link #addDoubles} adds ({@link FloatSums}); for columns with no minimum or maximum.
   */
  void addSum(double sum, int n) {
    doubleSum = sum;
    count += n;
  }

  /** Spark's order of doubles ({@code SQLOrderingUtil.compareDoubles}): NaN above all, -0.0 equal to 0.0. */
  static boolean greater(double a, double b) {
    return a != b && Double.compare(a, b) > 0;
  }
}
