package io.sparkmemmap.read;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.execution.vectorized.OnHeapColumnVector;
import org.apache.spark.sql.execution.vectorized.WritableColumnVector;

/**
 * Computes pushed aggregates over a partition's rows and returns them as one batch: one row, or one per file when
 * grouped by {@code _file}. Values are decoded straight from the mapped bytes, a block of rows at a time, into
 * arrays that {@link ColumnStats} folds in tight loops; nothing is copied into column vectors.
 */
final class NpyAggregatePartitionReader extends PartitionBatchReader {
  /** Rows decoded at once: their values stay in the CPU's caches while every column is folded. */
  static final int BLOCK_ROWS = 4096;

  private final AggregatePlan plan;
  private final RowLayout layout;
  private final boolean ansi;
  /** The sum-only floating-point columns, added up in groups; the other columns are decoded one by one. */
  private final List<FloatSums> floatSums;
  private final boolean[] summedInGroups;
  private final WritableColumnVector[] vectors;
  private final ValueReader.Scratch scratch = new ValueReader.Scratch();
  private boolean done;

  NpyAggregatePartitionReader(NpyInputPartition partition, RowLayout layout, AggregatePlan plan, boolean ansi,
      Configuration conf) {
    this(new PartitionRows(partition.ranges(), layout, plan.segments(), true, conf), layout, plan, ansi,
        OnHeapColumnVector.allocateColumns(1, plan.schema()));
  }

  private NpyAggregatePartitionReader(PartitionRows rows, RowLayout layout, AggregatePlan plan, boolean ansi,
      WritableColumnVector[] vectors) {
    super(rows, vectors);
    this.plan = plan;
    this.layout = layout;
    this.ansi = ansi;
    this.floatSums = FloatSums.of(plan);
    this.summedInGroups = new boolean[plan.columns().size()];
    for (FloatSums group : floatSums) {
      for (int c = 0; c < summedInGroups.length; c++) {
        summedInGroups[c] |= group.covers(c);
      }
    }
    this.vectors = vectors;
  }

  @Override
  public boolean next() throws IOException {
    checkOpen();
    if (done) {
      return false;
    }
    done = true;
    List<AggregateGroup> groups = aggregate();
    for (int i = 0; i < groups.size(); i++) {
      groups.get(i).write(plan, vectors, i, scratch);
    }
    batch.setNumRows(groups.size());
    return true;
  }

  private List<AggregateGroup> aggregate() throws IOException {
    List<AggregateGroup> groups = new ArrayList<>();
    AggregateGroup group = null;
    int groupIndex = -1;
    long[] longs = new long[BLOCK_ROWS];
    double[] doubles = new double[BLOCK_ROWS];
    while (rows.next(Integer.MAX_VALUE)) {
      if (group == null || (plan.groupByFile() && rows.groupIndex() != groupIndex)) {
        group = new AggregateGroup(rows.file().uri(), plan.newStats(ansi));
        groupIndex = rows.groupIndex();
        groups.add(group);
      }
      group.addRows(rows.firstRow(), rows.rows());
      try {
        fold(group.stats(), rows.rows(), longs, doubles);
        rows.checkIntact();
      } catch (ArithmeticException e) {
        throw e; // an overflow under ANSI mode, reported as Spark reports it
      } catch (InternalError | RuntimeException e) {
        throw rows.failure(e);
      }
    }
    if (groups.isEmpty() && !plan.groupByFile()) {
      groups.add(new AggregateGroup(null, plan.newStats(ansi))); // no rows: COUNT 0, the others null
    }
    return groups;
  }

  /**
   * Folds the chunk's {@code n} rows into the stats, block by block: the sums added up in groups, then every other
   * column of the block in turn.
   */
  private void fold(ColumnStats[] stats, int n, long[] longs, double[] doubles) throws IOException {
    List<AggregateColumn> columns = plan.columns();
    ByteBuffer[] buffers = rows.buffers();
    int[] positions = rows.positions();
    int stride = layout.stride();
    for (int first = 0; first < n; first += BLOCK_ROWS) {
      int m = Math.min(BLOCK_ROWS, n - first);
      rows.loadIntoCache(first, m);
      for (FloatSums group : floatSums) {
        group.add(buffers, positions, first * stride, stride, m, stats);
      }
      for (int c = 0; c < stats.length; c++) {
        if (summedInGroups[c]) {
          continue;
        }
        AggregateColumn column = columns.get(c);
        ByteBuffer buffer = buffers[column.segment()];
        int pos = positions[column.segment()] + column.offsetInRow() + first * stride;
        switch (column.kind()) {
          case FLOATING:
            column.decode(buffer, pos, stride, m, doubles);
            stats[c].addDoubles(doubles, m);
            break;
          case UNSIGNED64:
            column.decode(buffer, pos, stride, m, longs);
            stats[c].addUnsigned(longs, m);
            break;
          case TEMPORAL:
            column.decode(buffer, pos, stride, m, longs);
            stats[c].addTemporal(longs, m);
            break;
          default:
            column.decode(buffer, pos, stride, m, longs);
            stats[c].addLongs(longs, m);
        }
      }
    }
  }
}
