package io.sparkmemmap.read;

import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.connector.read.InputPartition;
import org.apache.spark.sql.connector.read.PartitionReader;
import org.apache.spark.sql.vectorized.ColumnarBatch;
import org.apache.spark.util.SerializableConfiguration;

/** Creates the readers that compute a scan's pushed aggregates on executors. */
final class NpyAggregateReaderFactory implements ColumnarReaderFactory {
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
  public PartitionReader<ColumnarBatch> createColumnarReader(InputPartition partition) {
    return new NpyAggregatePartitionReader((NpyInputPartition) partition, layout, plan, ansi, conf.value().value());
  }
}
