package io.sparkmemmap.read;

import java.util.List;
import org.apache.spark.sql.connector.metric.CustomMetric;
import org.apache.spark.sql.connector.read.Batch;
import org.apache.spark.sql.connector.read.InputPartition;
import org.apache.spark.sql.connector.read.SupportsReportStatistics;
import org.apache.spark.sql.types.StructType;

/**
 * What the row scan and the aggregate scan share: the input and the rows selected of it, how EXPLAIN describes
 * them, partitions planned once, columnar batches only, and the metrics their readers report.
 */
abstract class ArrayScan implements SupportsReportStatistics, Batch {
  /** The input, for {@link #description()}: {@link NpyDataset#describe()}, {@link RecordDataset#describe()}. */
  private final String input;
  private final StructType readSchema;
  /** What the scan returns, for EXPLAIN: {@code columns=...} or {@code aggregates=...}. */
  private final String output;
  final SelectedRows selection;
  final ReadOptions scanOptions;
  private final String pushed;
  private List<InputPartition> partitions;

  /**
   * @param selection the rows read of each file
   * @param pushed what was pushed into the scan, for {@link #description()}; empty when nothing was
   */
  ArrayScan(String input, StructType readSchema, String output, SelectedRows selection, ReadOptions scanOptions,
      String pushed) {
    this.input = input;
    this.readSchema = readSchema;
    this.output = output;
    this.selection = selection;
    this.scanOptions = scanOptions;
    this.pushed = pushed;
  }

  /** The partitions to read, planned when Spark first asks for them. */
  abstract List<? extends InputPartition> planPartitions();

  @Override
  public final String description() {
    return getClass().getSimpleName() + " " + input + " " + output + pushed;
  }

  @Override
  public final StructType readSchema() {
    return readSchema;
  }

  /** The output of a scan of rows, for EXPLAIN: its columns. */
  static String columns(StructType readSchema) {
    return "columns=" + String.join(",", readSchema.fieldNames());
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
