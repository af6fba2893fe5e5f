package io.sparkmemmap.read;

import java.util.BitSet;
import java.util.List;
import java.util.OptionalLong;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.connector.metric.CustomMetric;
import org.apache.spark.sql.connector.read.Batch;
import org.apache.spark.sql.connector.read.InputPartition;
import org.apache.spark.sql.connector.read.PartitionReaderFactory;
import org.apache.spark.sql.connector.read.Statistics;
import org.apache.spark.sql.connector.read.SupportsReportStatistics;
import org.apache.spark.sql.internal.SQLConf;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.util.SerializableConfiguration;

/**
 * A planned read: row ranges of about {@code maxPartitionBytes} per partition, read into columnar batches. Reports
 * the exact row count and data size, so that Spark can broadcast small arrays.
 */
final class NpyScan implements SupportsReportStatistics, Batch {
  private final NpyDataset dataset;
  private final StructType readSchema;
  private final List<OutputColumn> outputs;
  private final ReadOptions scanOptions;
  private List<NpyInputPartition> partitions;

  NpyScan(NpyDataset dataset, StructType readSchema, List<OutputColumn> outputs, ReadOptions scanOptions) {
    this.dataset = dataset;
    this.readSchema = readSchema;
    this.outputs = List.copyOf(outputs);
    this.scanOptions = scanOptions;
  }

  @Override
  public StructType readSchema() {
    return readSchema;
  }

  @Override
  public String description() {
    List<ArrayFile> files = dataset.files();
    String first = files.get(0).describe();
    return "NpyScan " + dataset.options().format().shortName() + " [" + (files.size() == 1 ? first
        : files.size() + " arrays, first " + first) + "] dtype=" + ArraySchema.descr(dataset.dtype()) + " layout="
        + dataset.options().layout().name().toLowerCase(java.util.Locale.ROOT)
        + (dataset.layout().fortran() ? " order=F" : "") + " columns=" + String.join(",", readSchema.fieldNames());
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
      SQLConf conf = SQLConf.get();
      long maxPartitionBytes = scanOptions.maxPartitionBytes().orElse(conf.filesMaxPartitionBytes());
      long openCost = conf.filesOpenCostInBytes();
      int minPartitions = conf.filesMinPartitionNum().isDefined()
          ? (Integer) conf.filesMinPartitionNum().get()
          : classicSession().leafNodeDefaultParallelism();
      long maxSplitBytes = PartitionPlanner.maxSplitBytes(dataset.files(), maxPartitionBytes, openCost,
          minPartitions);
      partitions = PartitionPlanner.plan(dataset.files(), dataset.layout(), maxSplitBytes, openCost);
    }
    return partitions.toArray(new InputPartition[0]);
  }

  @Override
  public PartitionReaderFactory createReaderFactory() {
    Broadcast<SerializableConfiguration> conf =
        SerializableConfiguration.broadcast(classicSession().sparkContext(), dataset.conf());
    return new NpyPartitionReaderFactory(dataset.layout(), outputs, readSchema, segmentsRead(), scanOptions
        .batchSize(), SQLConf.get().offHeapColumnVectorEnabled(), conf);
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

  @Override
  public Statistics estimateStatistics() {
    long bytes = 0;
    long rows = 0;
    for (ArrayFile file : dataset.files()) {
      bytes += file.dataLength();
      rows += file.rows();
    }
    long sizeInBytes = bytes;
    long numRows = rows;
    return new Statistics() {
      @Override
      public OptionalLong sizeInBytes() {
        return OptionalLong.of(sizeInBytes);
      }

      @Override
      public OptionalLong numRows() {
        return OptionalLong.of(numRows);
      }
    };
  }

  @Override
  public CustomMetric[] supportedCustomMetrics() {
    return new CustomMetric[] {new BytesMappedMetric(), new BytesReadMetric(), new RowsReadMetric()};
  }

  private static org.apache.spark.sql.classic.SparkSession classicSession() {
    return (org.apache.spark.sql.classic.SparkSession) SparkSession.active();
  }
}
