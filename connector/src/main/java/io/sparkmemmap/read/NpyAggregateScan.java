package io.sparkmemmap.read;

import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.connector.read.InputPartition;
import org.apache.spark.sql.connector.read.PartitionReaderFactory;
import org.apache.spark.sql.connector.read.Statistics;
import org.apache.spark.sql.internal.SQLConf;
import org.apache.spark.sql.types.StructType;

/**
 * A scan that returns pushed aggregates instead of rows. When the row counts of the headers answer them
 * ({@code count(*)}, {@code min(_row_index)}, ...) the answer is computed at planning and no file is opened again;
 * otherwise each partition of the selected rows computes its partial aggregates, which Spark combines.
 */
final class NpyAggregateScan extends ArrayScan {
  private final AggregatePlan plan;
  private final boolean complete;

  /**
   * @param complete whether the scan returns the final answer (from the row counts) rather than partial results
   */
  NpyAggregateScan(NpyDataset dataset, AggregatePlan plan, boolean complete, SelectedRows selection, String pushed,
      ReadOptions scanOptions) {
    super(dataset, selection, scanOptions, pushed);
    this.plan = plan;
    this.complete = complete;
  }

  @Override
  public StructType readSchema() {
    return plan.schema();
  }

  @Override
  String describeOutput() {
    return "aggregates=" + plan + (complete ? " (complete, from row counts)" : " (partial, per partition)");
  }

  @Override
  List<InputPartition> planPartitions() {
    return complete ? List.of(countedPartition()) : partialPartitions();
  }

  /** The answer, from the rows selected in each file. */
  private InputPartition countedPartition() {
    List<AggregateGroup.Totals> groups = new ArrayList<>();
    List<ArrayFile> files = selection.files();
    long rows = 0;
    long first = -1;
    long last = -1;
    for (int i = 0; i < files.size(); i++) {
      RowSelection selected = selection.rows(i);
      if (selected.isEmpty()) {
        continue;
      }
      long fileRows = selected.count();
      long fileFirst = selected.from(0);
      long fileLast = selected.to(selected.intervalCount() - 1) - 1;
      if (plan.groupByFile()) {
        groups.add(new AggregateGroup.Totals(files.get(i).uri(), fileRows, fileFirst, fileLast));
      }
      rows += fileRows;
      first = first < 0 ? fileFirst : Math.min(first, fileFirst);
      last = Math.max(last, fileLast);
    }
    if (!plan.groupByFile()) {
      groups.add(new AggregateGroup.Totals(null, rows, first, last));
    }
    return new AggregateResultPartition(groups);
  }

  /**
   * The row partitions, as a row scan plans them; at least one without grouping, since Spark's final aggregate
   * over no partial row would make COUNT null rather than 0.
   */
  private List<InputPartition> partialPartitions() {
    List<InputPartition> result = new ArrayList<>(PartitionPlanner.plan(selection, dataset.layout(), scanOptions));
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
      if (partition instanceof AggregateResultPartition result) {
        rows += result.groups().size();
      } else {
        rows += plan.groupByFile() ? ((NpyInputPartition) partition).ranges().size() : 1;
      }
    }
    return new ExactStatistics(rows * plan.schema().defaultSize(), rows);
  }
}
