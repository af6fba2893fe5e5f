package io.sparkmemmap.write;

import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.connector.write.DataWriter;
import org.apache.spark.sql.connector.write.DataWriterFactory;

/** Sent to executors: makes the writer of each task attempt of a records write. */
final class RecordDataWriterFactory implements DataWriterFactory {
  private static final long serialVersionUID = 1L;
  private final RecordWriteJob job;

  RecordDataWriterFactory(RecordWriteJob job) {
    this.job = job;
  }

  @Override
  public DataWriter<InternalRow> createWriter(int partitionId, long taskId) {
    return new RecordDataWriter(job, partitionId, taskId);
  }
}
