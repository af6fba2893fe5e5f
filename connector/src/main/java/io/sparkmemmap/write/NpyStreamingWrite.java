package io.sparkmemmap.write;

import java.io.IOException;
import java.io.UncheckedIOException;
import org.apache.spark.sql.connector.write.PhysicalWriteInfo;
import org.apache.spark.sql.connector.write.WriterCommitMessage;
import org.apache.spark.sql.connector.write.streaming.StreamingDataWriterFactory;
import org.apache.spark.sql.connector.write.streaming.StreamingWrite;

/**
 * The driver's part of a streaming write, planned for each micro-batch as Spark plans it: tasks stage their rows
 * exactly as a batch write's do ({@link NpyDataWriter}), and the committed parts are published to a sink directory
 * ({@link DirectorySink}) or appended to one file ({@link SingleFileSink}), exactly once per epoch.
 */
final class NpyStreamingWrite implements StreamingWrite {
  private final WriteJob job;
  private final OutputTarget target;
  private final transient OutputFiles files;
  private final transient StreamingOutput output;

  NpyStreamingWrite(WriteJob job, OutputTarget target, OutputFiles files) {
    this.job = job;
    this.target = target;
    this.files = files;
    this.output = target.singleFile() ? new SingleFileSink(job, target, files) : new DirectorySink(job, target, files);
  }

  @Override
  public StreamingDataWriterFactory createStreamingWriterFactory(PhysicalWriteInfo info) {
    // the staging directory is named after the query, the same for every epoch: a driver that died mid-epoch left
    // its attempts' files there, whose names the restarted query's task ids may repeat
    NpyBatchWrite.removeStaging(files, target);
    NpyBatchWrite.createAttemptsDirectory(files, target);
    return new NpyDataWriterFactory(job, null, null, false);
  }

  @Override
  public boolean useCommitCoordinator() {
    return true;
  }

  @Override
  public void commit(long epochId, WriterCommitMessage[] messages) {
    StagedPart[] parts = new StagedPart[messages.length];
    for (int i = 0; i < messages.length; i++) {
      parts[i] = (StagedPart) messages[i];
    }
    try {
      output.commit(epochId, parts);
    } catch (IOException e) {
      throw new UncheckedIOException("could not commit micro-batch " + epochId + " to " + target.describe() + ": "
          + e.getMessage(), e);
    } finally {
      cleanUp();
    }
  }

  @Override
  public void abort(long epochId, WriterCommitMessage[] messages) {
    cleanUp();
  }

  private void cleanUp() {
    NpyBatchWrite.removeStaging(files, target);
  }

  @Override
  public String toString() {
    return "NpyStreamingWrite[" + job.format() + " " + target.describe() + (target.singleFile() ? " (single file)"
        : "") + "]";
  }
}
