package io.sparkmemmap.read;

import java.util.List;
import java.util.Map;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.connector.read.InputPartition;
import org.apache.spark.sql.connector.read.PartitionReader;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.sql.vectorized.ColumnarBatch;
import org.apache.spark.util.SerializableConfiguration;

/** Creates the readers of a records scan's partitions on executors; the indexes' headers travel here once. */
final class RecordReaderFactory implements ColumnarReaderFactory {
  private static final long serialVersionUID = 1L;

  private final Map<String, RecordIndex> indexes;
  private final List<RecordOutput> outputs;
  private final StructType schema;
  private final ValueReader elementReader;
  private final int itemSize;
  private final int batchSize;
  private final boolean offHeap;
  private final Broadcast<SerializableConfiguration> conf;

  RecordReaderFactory(Map<String, RecordIndex> indexes, List<RecordOutput> outputs, StructType schema,
      ValueReader elementReader, int itemSize, int batchSize, boolean offHeap,
      Broadcast<SerializableConfiguration> conf) {
    this.indexes = Map.copyOf(indexes);
    this.outputs = List.copyOf(outputs);
    this.schema = schema;
    this.elementReader = elementReader;
    this.itemSize = itemSize;
    this.batchSize = batchSize;
    this.offHeap = offHeap;
    this.conf = conf;
  }

  @Override
  public PartitionReader<ColumnarBatch> createColumnarReader(InputPartition partition) {
    return new RecordPartitionReader(((NpyInputPartition) partition).ranges(), indexes, outputs, schema,
        elementReader, itemSize, batchSize, offHeap, conf.value().value());
  }
}
