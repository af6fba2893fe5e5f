package io.sparkmemmap.read;

import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.connector.read.InputPartition;
import org.apache.spark.sql.connector.read.PartitionReaderFactory;
import org.apache.spark.sql.connector.read.Statistics;
import org.apache.spark.sql.internal.SQLConf;
import org.apache.spark.sql.types.StructType;

/**
 * A scan that returns pushed aggregates instead of rows: each partition of the selected rows computes its partial
 * aggregates, which Spark combines, or, when one partition reads them all, the answer itself. (Aggregates that the
 * row counts of the headers answer are a {@link NpyRowCountScan}.)
 */
final class NpyAggregateScan extends ArrayScan {
  private final NpyDataset dataset;
  private final AggregatePlan plan;

  /** @param complete whether the one partition's aggregates are the answer, rather than partial results */
  NpyAggregateScan(NpyDataset dataset, AggregatePlan plan, boolean complete, SelectedRows selection, String pushed,
      ReadOptions scanOptions) {
    super(dataset.describe(), plan.schema(), "aggregates=" + plan + (complete ? " (complete, one partition)"
        : " (partial, per partition)"), selection, scanOptions, pushed);
    this.dataset = dataset;
    this.plan = plan;
  }

  /**
   * The row partitions, as a row scan plans them; at least one without grouping, since Spark's final aggregate
   * over no partial row would make COUNT null rather than 0.
   */
  @Override
  List<InputPartition> planPartitions() {
    List<InputPartition> result =
        new ArrayList<>(PartitionPlanner.planAggregates(selection, dataset.layout(), scanOptions));
    if (result.isEmpty() && !plan.groupByFile()) {
      result.add(new NpyInputPartition(0, List.of(), new String[0]));
    }
    return result;
  }

  @Override
  public PartitionReaderFactory createReaderFactory() {
    return new NpyAggregateReaderFactory(dataset.layout(), plan, SQLConf.get().ansiEnabled(),
        dataset.broadcastConf());
  }

  /** At most one row per partition, or per file and partition when grouped by file: small enough to broadcast. */
  @Override
  public Statistics estimateStatistics() {
    long rows = 0;
    for (InputPartition partition : planInputPartitions()) {
      rows += plan.groupByFile() ? ((NpyInputPartition) partition).ranges().size() : 1;
    }
    return new ExactStatistics(rows * plan.schema().defaultSize(), rows);
  }
}
