package io.sparkmemmap.read;

import java.util.List;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.connector.read.InputPartition;
import org.apache.spark.sql.connector.read.PartitionReader;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.sql.vectorized.ColumnarBatch;
import org.apache.spark.util.SerializableConfiguration;

/** Creates the columnar readers of a scan's partitions on executors; everything they share travels here once. */
final class NpyPartitionReaderFactory implements ColumnarReaderFactory {
  private static final long serialVersionUID = 1L;

  private final RowLayout layout;
  private final List<OutputColumn> outputs;
  private final StructType schema;
  private final int[] segments;
  private final int batchSize;
  private final boolean offHeap;
  private final Broadcast<SerializableConfiguration> conf;

  NpyPartitionReaderFactory(RowLayout layout, List<OutputColumn> outputs, StructType schema, int[] segments,
      int batchSize, boolean offHeap, Broadcast<SerializableConfiguration> conf) {
    this.layout = layout;
    this.outputs = List.copyOf(outputs);
    this.schema = schema;
    this.segments = segments.clone();
    this.batchSize = batchSize;
    this.offHeap = offHeap;
    this.conf = conf;
  }

  @Override
  public PartitionReader<ColumnarBatch> createColumnarReader(InputPartition partition) {
    return NpyPartitionReader.open((NpyInputPartition) partition, layout, outputs, schema, segments, batchSize,
        offHeap, conf.value().value());
  }
}
