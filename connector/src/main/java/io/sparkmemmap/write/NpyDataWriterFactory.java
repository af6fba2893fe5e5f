package io.sparkmemmap.write;

import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.connector.write.DataWriter;
import org.apache.spark.sql.connector.write.DataWriterFactory;
import org.apache.spark.sql.connector.write.streaming.StreamingDataWriterFactory;

/** Sent to executors: makes the writer of each task attempt, of a batch write or of a streaming micro-batch. */
final class NpyDataWriterFactory implements DataWriterFactory, StreamingDataWriterFactory {
  private static final long serialVersionUID = 1L;
  private final WriteJob job;
  /** Where tasks upload their parts ({@link PartUploads}); null where they stage them. */
  private final PartNames uploads;
  /** The upload tasks put a single file's parts in ({@link SingleFileUpload}); null where they stage them. */
  private final SingleFileUpload singleUpload;
  /** Whether the job's journal is open, so that tasks stage what they stage under it ({@link PartUploads#stage}). */
  private final boolean journaled;

  NpyDataWriterFactory(WriteJob job, PartNames uploads, SingleFileUpload singleUpload, boolean journaled) {
    this.job = job;
    this.uploads = uploads;
    this.singleUpload = singleUpload;
    this.journaled = journaled;
  }

  @Override
  public DataWriter<InternalRow> createWriter(int partitionId, long taskId) {
    return new NpyDataWriter(job, partitionId, taskId, uploads == null ? null : uploads.path(partitionId),
        singleUpload, journaled);
  }

  /** A micro-batch's task stages its rows as a batch task does; the epoch matters only at commit. */
  @Override
  public DataWriter<InternalRow> createWriter(int partitionId, long taskId, long epochId) {
    return createWriter(partitionId, taskId);
  }
}
