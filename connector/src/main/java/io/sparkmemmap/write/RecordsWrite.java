package io.sparkmemmap.write;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.connector.write.BatchWrite;
import org.apache.spark.sql.connector.write.DataWriterFactory;
import org.apache.spark.sql.connector.write.PhysicalWriteInfo;
import org.apache.spark.sql.connector.write.Write;
import org.apache.spark.sql.connector.write.WriterCommitMessage;

/**
 * A planned write of variable-length records, and the driver's part of it: stages the tasks' parts under the
 * target's hidden staging directory, publishes the committed attempts' parts in partition order (the DataFrame's
 * order) at job commit ({@link MegatronPublisher}), or removes everything staged. Spark's commit coordinator lets
 * exactly one attempt per partition commit.
 */
final class RecordsWrite implements Write, BatchWrite {
  private final RecordWriteJob job;
  private final MegatronTarget target;
  private final transient OutputFiles files;
  private final transient FileSystem fs;

  RecordsWrite(RecordWriteJob job, MegatronTarget target, OutputFiles files, FileSystem fs) {
    this.job = job;
    this.target = target;
    this.files = files;
    this.fs = fs;
  }

  @Override
  public String description() {
    return "megatron " + target.mode().name().toLowerCase(java.util.Locale.ROOT) + " to " + target.prefix()
        + " (" + target.dtype().name().toLowerCase(java.util.Locale.ROOT) + ")";
  }

  @Override
  public BatchWrite toBatch() {
    return this;
  }

  @Override
  public DataWriterFactory createBatchWriterFactory(PhysicalWriteInfo info) {
    prepareStaging();
    return new RecordDataWriterFactory(job);
  }

  /** Makes the staging directory that the tasks' files go to. */
  void prepareStaging() {
    try {
      files.mkdirs(new Path(target.staging(), WriteJob.ATTEMPTS));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create the staging directory " + target.staging() + " next to "
          + target.prefix(), e);
    }
  }

  RecordWriteJob job() {
    return job;
  }

  MegatronTarget target() {
    return target;
  }

  OutputFiles files() {
    return files;
  }

  MegatronPublisher publisher() {
    return new MegatronPublisher(job, target, files, fs);
  }

  @Override
  public boolean useCommitCoordinator() {
    return true;
  }

  @Override
  public void commit(WriterCommitMessage[] messages) {
    List<RecordPart> parts = Arrays.stream(messages)
        .map(m -> (RecordPart) m)
        .filter(p -> p != null && p.hasRecords())
        .sorted(Comparator.comparingInt(RecordPart::partitionId))
        .toList();
    try {
      publisher().publish(parts);
    } catch (IOException e) {
      throw new UncheckedIOException("could not publish the Megatron dataset " + target.prefix() + ": "
          + e.getMessage(), e);
    } finally {
      cleanUp();
    }
  }

  @Override
  public void abort(WriterCommitMessage[] messages) {
    cleanUp();
  }

  /** Removes everything staged. */
  void cleanUp() {
    try {
      files.deleteRecursively(target.staging());
    } catch (IOException e) {
      throw new UncheckedIOException("could not remove the staging directory " + target.staging(), e);
    }
  }
}
