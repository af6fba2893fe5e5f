package io.sparkmemmap.read;

import java.util.BitSet;
import java.util.List;
import org.apache.spark.sql.connector.metric.CustomMetric;
import org.apache.spark.sql.connector.read.Batch;
import org.apache.spark.sql.connector.read.InputPartition;
import org.apache.spark.sql.connector.read.PartitionReaderFactory;
import org.apache.spark.sql.connector.read.Statistics;
import org.apache.spark.sql.connector.read.SupportsReportStatistics;
import org.apache.spark.sql.internal.SQLConf;
import org.apache.spark.sql.types.StructType;

/**
 * A planned read: the selected rows (all, or those pushed {@code _row_index} predicates, OFFSET and LIMIT keep) in
 * ranges of about {@code maxPartitionBytes} per partition, read into columnar batches. Reports the exact row count
 * and data size, so that Spark can broadcast small arrays.
 */
final class NpyScan implements SupportsReportStatistics, Batch {
  private final NpyDataset dataset;
  private final StructType readSchema;
  private final List<OutputColumn> outputs;
  private final ReadOptions scanOptions;
  private final SelectedRows selection;
  private final String pushed;
  private List<NpyInputPartition> partitions;

  /**
   * @param selection the rows read of each file
   * @param pushed what was pushed into the scan, for {@link #description()}; empty when nothing was
   */
  NpyScan(NpyDataset dataset, StructType readSchema, List<OutputColumn> outputs, ReadOptions scanOptions,
      SelectedRows selection, String pushed) {
    this.dataset = dataset;
    this.readSchema = readSchema;
    this.outputs = List.copyOf(outputs);
    this.scanOptions = scanOptions;
    this.selection = selection;
    this.pushed = pushed;
  }

  @Override
  public StructType readSchema() {
    return readSchema;
  }

  @Override
  public String description() {
    return "NpyScan " + dataset.describe() + " columns=" + String.join(",", readSchema.fieldNames()) + pushed;
  }

  @Override
  public Batch toBatch() {
    return this;
  }

  @Override
  public ColumnarSupportMode columnarSupportMode() {
    return ColumnarSupportMode.SUPPORTED;
  }

  @Override
  public InputPartition[] planInputPartitions() {
    if (partitions == null) {
      partitions = PartitionPlanner.plan(selection, dataset.layout(), scanOptions);
    }
    return partitions.toArray(new InputPartition[0]);
  }

  @Override
  public PartitionReaderFactory createReaderFactory() {
    return new NpyPartitionReaderFactory(dataset.layout(), outputs, readSchema, segmentsRead(), scanOptions
        .batchSize(), SQLConf.get().offHeapColumnVectorEnabled(), dataset.broadcastConf());
  }

  /** The segments the selected columns need: none when only metadata columns (or no columns) are read. */
  private int[] segmentsRead() {
    BitSet segments = new BitSet();
    for (OutputColumn output : outputs) {
      if (output.kind() == OutputColumn.Kind.DATA) {
        output.plan().addSegments(dataset.layout(), segments);
      }
    }
    return segments.stream().toArray();
  }

  /** The rows and bytes selected: exact, so that Spark can broadcast a small selection of a large array. */
  @Override
  public Statistics estimateStatistics() {
    return new ExactStatistics(selection.dataBytes(dataset.layout()), selection.rowCount());
  }

  @Override
  public CustomMetric[] supportedCustomMetrics() {
    return new CustomMetric[] {new BytesMappedMetric(), new BytesReadMetric(), new RowsReadMetric()};
  }
}
