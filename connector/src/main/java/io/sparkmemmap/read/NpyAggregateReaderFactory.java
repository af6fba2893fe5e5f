package io.sparkmemmap.read;

import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.connector.read.InputPartition;
import org.apache.spark.sql.connector.read.PartitionReader;
import org.apache.spark.sql.connector.read.PartitionReaderFactory;
import org.apache.spark.sql.vectorized.ColumnarBatch;
import org.apache.spark.util.SerializableConfiguration;

/** Creates the readers that compute a scan's pushed aggregates on executors. */
final class NpyAggregateReaderFactory implements PartitionReaderFactory {
  private static final long serialVersionUID = 1L;

  private final RowLayout layout;
  private final AggregatePlan plan;
  private final boolean ansi;
  private final Broadcast<SerializableConfiguration> conf;

  NpyAggregateReaderFactory(RowLayout layout, AggregatePlan plan, boolean ansi,
      Broadcast<SerializableConfiguration> conf) {
    this.layout = layout;
    this.plan = plan;
    this.ansi = ansi;
    this.conf = conf;
  }

  @Override
  public boolean supportColumnarReads(InputPartition partition) {
    return true;
  }

  @Override
  public PartitionReader<ColumnarBatch> createColumnarReader(InputPartition partition) {
    return new NpyAggregatePartitionReader((NpyInputPartition) partition, layout, plan, ansi, conf.value().value());
  }

  @Override
  public PartitionReader<InternalRow> createReader(InputPartition partition) {
    throw new UnsupportedOperationException("the npy and memmap sources read columnar batches only");
  }
}
