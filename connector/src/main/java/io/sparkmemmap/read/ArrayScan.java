package io.sparkmemmap.read;

import java.util.List;
import org.apache.spark.sql.connector.metric.CustomMetric;
import org.apache.spark.sql.connector.read.Batch;
import org.apache.spark.sql.connector.read.InputPartition;
import org.apache.spark.sql.connector.read.SupportsReportStatistics;

/**
 * What the row scan and the aggregate scan share: the input and the rows selected of it, how EXPLAIN describes
 * them, partitions planned once, columnar batches only, and the metrics their readers report.
 */
abstract class ArrayScan implements SupportsReportStatistics, Batch {
  final NpyDataset dataset;
  final SelectedRows selection;
  final ReadOptions scanOptions;
  private final String pushed;
  private List<InputPartition> partitions;

  /**
   * @param selection the rows read of each file
   * @param pushed what was pushed into the scan, for {@link #description()}; empty when nothing was
   */
  ArrayScan(NpyDataset dataset, SelectedRows selection, ReadOptions scanOptions, String pushed) {
    this.dataset = dataset;
    this.selection = selection;
    this.scanOptions = scanOptions;
    this.pushed = pushed;
  }

  /** What the scan returns, for EXPLAIN: {@code columns=...} or {@code aggregates=...}. */
  abstract String describeOutput();

  /** The partitions to read, planned when Spark first asks for them. */
  abstract List<? extends InputPartition> planPartitions();

  @Override
  public final String description() {
    return getClass().getSimpleName() + " " + dataset.describe() + " " + describeOutput() + pushed;
  }

  @Override
  public final Batch toBatch() {
    return this;
  }

  @Override
  public final ColumnarSupportMode columnarSupportMode() {
    return ColumnarSupportMode.SUPPORTED;
  }

  @Override
  public final InputPartition[] planInputPartitions() {
    if (partitions == null) {
      partitions = List.copyOf(planPartitions());
    }
    return partitions.toArray(new InputPartition[0]);
  }

  @Override
  public final CustomMetric[] supportedCustomMetrics() {
    return new CustomMetric[] {new BytesMappedMetric(), new BytesReadMetric(), new RowsReadMetric(),
        new BytesFetchedMetric(), new FetchRequestsMetric()};
  }
}
