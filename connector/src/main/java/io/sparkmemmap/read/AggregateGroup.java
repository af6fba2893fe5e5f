package io.sparkmemmap.read;

import org.apache.spark.sql.execution.vectorized.WritableColumnVector;
import org.apache.spark.unsafe.types.UTF8String;

/**
 * The aggregates of one group of rows (all rows of a partition, or those of one file) as they accumulate, in row
 * order, and their row of the scan's output.
 */
final class AggregateGroup {
  private final String file;
  private final ColumnStats[] stats;
  private long rows;
  private long firstRow = -1;
  private long lastRow = -1;

  AggregateGroup(String file, ColumnStats[] stats) {
    this.file = file;
    this.stats = stats;
  }

  /**
   * A group whose rows were counted at planning, {@code rows} of them from {@code _row_index} {@code firstRow} to
   * {@code lastRow}; no column is read for it.
   */
  static AggregateGroup counted(String file, long rows, long firstRow, long lastRow, AggregatePlan plan) {
    AggregateGroup group = new AggregateGroup(file, plan.newStats(false));
    group.rows = rows;
    group.firstRow = firstRow;
    group.lastRow = lastRow;
    return group;
  }

  ColumnStats[] stats() {
    return stats;
  }

  /** Counts {@code n} rows from {@code _row_index} {@code first} on; rows come in increasing order. */
  void addRows(long first, int n) {
    if (rows == 0) {
      firstRow = first;
    }
    lastRow = first + n - 1;
    rows += n;
  }

  /** Writes the group's output row: the file if grouped by it, then each aggregate, null where it has no value. */
  void write(AggregatePlan plan, WritableColumnVector[] vectors, int row, ValueReader.Scratch scratch) {
    for (WritableColumnVector vector : vectors) {
      vector.reserve(row + 1);
    }
    int v = 0;
    if (plan.groupByFile()) {
      byte[] uri = UTF8String.fromString(file).getBytes();
      vectors[v++].putByteArray(row, uri, 0, uri.length);
    }
    for (AggregatePlan.Output output : plan.outputs()) {
      WritableColumnVector vector = vectors[v++];
      ColumnStats s = output.column() < 0 ? null : stats[output.column()];
      AggregateColumn column = output.column() < 0 ? null : plan.columns().get(output.column());
      switch (output.function()) {
        case COUNT_ROWS:
          vector.putLong(row, rows);
          break;
        case COUNT_VALUES:
          vector.putLong(row, s.count());
          break;
        case MIN_ROW_INDEX:
        case MAX_ROW_INDEX:
          if (rows == 0) {
            vector.putNull(row);
          } else {
            vector.putLong(row, output.function() == AggregatePlan.Function.MIN_ROW_INDEX ? firstRow : lastRow);
          }
          break;
        case MIN:
        case MAX: {
          boolean min = output.function() == AggregatePlan.Function.MIN;
          if (s.count() == 0) {
            vector.putNull(row);
          } else {
            column.put(vector, row, min ? s.minLong() : s.maxLong(), min ? s.minDouble() : s.maxDouble(), scratch);
          }
          break;
        }
        default: // SUM
          if (s.count() == 0) {
            vector.putNull(row);
          } else if (column.kind() == AggregateColumn.Kind.FLOATING) {
            vector.putDouble(row, s.doubleSum());
          } else {
            vector.putLong(row, s.longSum());
          }
      }
    }
  }
}
