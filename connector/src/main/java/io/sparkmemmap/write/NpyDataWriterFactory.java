package io.sparkmemmap.write;

import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.connector.write.DataWriter;
import org.apache.spark.sql.connector.write.DataWriterFactory;

/** Sent to executors: makes the writer of each task attempt. */
final class NpyDataWriterFactory implements DataWriterFactory {
  private static final long serialVersionUID = 1L;
  private final WriteJob job;

  NpyDataWriterFactory(WriteJob job) {
    this.job = job;
  }

  @Override
  public DataWriter<InternalRow> createWriter(int partitionId, long taskId) {
    return new NpyDataWriter(job, partitionId, taskId);
  }
}
