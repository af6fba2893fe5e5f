package io.sparkmemmap.write;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.Locale;
import org.apache.spark.sql.connector.write.BatchWrite;
import org.apache.spark.sql.connector.write.DataWriterFactory;
import org.apache.spark.sql.connector.write.PhysicalWriteInfo;
import org.apache.spark.sql.connector.write.Write;
import org.apache.spark.sql.connector.write.WriterCommitMessage;

/**
 * A planned write of a ragged array, and the driver's part of it: prepares the staging directory, then publishes
 * the committed attempts' parts as one pair ({@link RaggedPublisher}) or removes everything staged. Spark's output
 * commit coordinator lets exactly one attempt per partition commit, and hands this class exactly its message.
 */
final class RaggedWrite implements Write, BatchWrite {
  private final RecordWriteJob job;
  private final OutputTarget target;
  private final transient OutputFiles files;

  RaggedWrite(RecordWriteJob job, OutputTarget target, OutputFiles files) {
    this.job = job;
    this.target = target;
    this.files = files;
  }

  @Override
  public String description() {
    return "ragged " + target.mode().name().toLowerCase(Locale.ROOT) + " to " + target.describe();
  }

  @Override
  public BatchWrite toBatch() {
    return this;
  }

  @Override
  public DataWriterFactory createBatchWriterFactory(PhysicalWriteInfo info) {
    NpyBatchWrite.createAttemptsDirectory(files, target);
    return new RecordDataWriterFactory(job);
  }

  @Override
  public boolean useCommitCoordinator() {
    return true;
  }

  @Override
  public void commit(WriterCommitMessage[] messages) {
    RecordPart[] parts = Arrays.stream(messages).map(RecordPart.class::cast).toArray(RecordPart[]::new);
    try {
      new RaggedPublisher(job, target, files).publish(parts);
    } catch (IOException e) {
      throw new UncheckedIOException("could not publish the ragged array at " + target.describe() + ": "
          + e.getMessage(), e);
    } finally {
      abort(messages);
    }
  }

  /** Removes everything staged; after a commit, what is left of it. */
  @Override
  public void abort(WriterCommitMessage[] messages) {
    try {
      files.deleteRecursively(target.staging());
    } catch (IOException e) {
      throw new UncheckedIOException("could not remove the staging directory " + target.staging(), e);
    }
  }

  @Override
  public String toString() {
    return "RaggedWrite[" + target.mode() + " " + target.describe() + "]";
  }
}
