package io.sparkmemmap.write;

import java.io.IOException;
import java.io.UncheckedIOException;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.connector.write.BatchWrite;
import org.apache.spark.sql.connector.write.DataWriterFactory;
import org.apache.spark.sql.connector.write.PhysicalWriteInfo;
import org.apache.spark.sql.connector.write.WriterCommitMessage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The driver's part of a write: prepares the staging directory, assembles a new local single file as tasks commit
 * ({@link SingleFileAssembly}), then publishes the committed attempts' parts ({@link Publisher}) or removes
 * everything staged. Spark's output commit coordinator lets exactly one attempt
 * per partition commit, and hands this class exactly that attempt's message.
 */
final class NpyBatchWrite implements BatchWrite {
  private static final Logger LOG = LoggerFactory.getLogger(NpyBatchWrite.class);
  private final WriteJob job;
  private final OutputTarget target;
  private final transient OutputFiles files;
  /** Assembles a new local single file as tasks commit; null for other outputs, published at job commit. */
  private final transient SingleFileAssembly assembly;
  /** Where tasks upload their parts, planned with the partitions ({@link PartUploads}); null where they stage them. */
  private transient PartNames uploads;
  /** The upload tasks put a single file's parts in ({@link SingleFileUpload}); null where they stage them. */
  private transient SingleFileUpload singleUpload;

  NpyBatchWrite(WriteJob job, OutputTarget target, OutputFiles files) {
    this.job = job;
    this.target = target;
    this.files = files;
    // an append may grow the old file in place, decided at commit; HDFS cannot write a header after the data
    this.assembly = target.singleFile() && files.isLocal() && target.mode() != WriteMode.APPEND
        ? new SingleFileAssembly(job, Publisher.assembledFile(job, target))
        : null;
  }

  @Override
  public DataWriterFactory createBatchWriterFactory(PhysicalWriteInfo info) {
    int partitions = info == null ? 0 : info.numPartitions();
    if (job.uploadsParts()) {
      try {
        PartUploads.openJournal(Publisher.uploadJournal(job), job.hadoopConf().get());
        if (!target.singleFile()) {
          uploads = planUploads(partitions);
          return new NpyDataWriterFactory(job, uploads, null, true);
        }
        singleUpload = beginSingleUpload(partitions);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot begin the uploads of " + target.describe(), e);
      }
    }
    createAttemptsDirectory(files, target);
    return new NpyDataWriterFactory(job, null, singleUpload, job.uploadsParts());
  }

  /**
   * The one upload tasks put a single file's parts in ({@link SingleFileUpload}); null where the file is instead
   * assembled by the driver from staged parts: an append to an existing file on a store that cannot copy the old
   * bytes into a part itself ({@link SingleFileUpload#copiesParts}: they would pass through the driver anyway), a
   * target that is a directory, and more partitions than S3's part numbers give a block each.
   */
  private SingleFileUpload beginSingleUpload(int partitions) throws IOException {
    OutputFiles.PathState state = files.state(target.path());
    long appendedBytes = -1;
    if (target.mode() == WriteMode.APPEND && state == OutputFiles.PathState.FILE) {
      if (!SingleFileUpload.copiesParts(target.path().getFileSystem(job.hadoopConf().get()))) {
        return null;
      }
      appendedBytes = files.length(target.path());
    } else if (state == OutputFiles.PathState.DIRECTORY) {
      return null;
    }
    SingleFileUpload upload = SingleFileUpload.begin(target.path(), Publisher.uploadJournal(job), partitions,
        appendedBytes, job.hadoopConf().get()).orElse(null);
    if (upload == null && partitions > 0) {
      LOG.warn("{}: {} partitions are too many to upload the single file's parts from the tasks (at most {}); "
          + "the driver assembles it from staged parts instead, copying every byte", target.describe(), partitions,
          (PartUploads.MAX_PARTS - 1) / SingleFileUpload.MIN_BLOCK);
    }
    return upload;
  }

  /**
   * Creates the directory task attempts write into: here, on the driver, not by tasks, so that a straggling
   * attempt after the job cannot recreate it.
   */
  static void createAttemptsDirectory(OutputFiles files, OutputTarget target) {
    try {
      files.mkdirs(new Path(target.staging(), WriteJob.ATTEMPTS));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create the staging directory " + target.staging() + " next to "
          + target.describe(), e);
    }
  }

  /** Names parts by partition, after those of the directory an append adds to. */
  private PartNames planUploads(int partitions) {
    try {
      int first = target.mode() == WriteMode.APPEND && files.state(target.path()) == OutputFiles.PathState.DIRECTORY
          ? Publisher.nextPartNumber(files.list(target.path()))
          : 0;
      return PartNames.plan(target.path(), job.queryId(), job.format().fileSuffix(), first, partitions);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list " + target.describe() + " to name the parts appended", e);
    }
  }

  @Override
  public boolean useCommitCoordinator() {
    return true;
  }

  /** Called on the driver as each task commits, in the order they finish. */
  @Override
  public void onDataWriterCommit(WriterCommitMessage message) {
    if (assembly != null) {
      assembly.committed((StagedPart) message);
    }
  }

  @Override
  public void commit(WriterCommitMessage[] messages) {
    StagedPart[] parts = parts(messages);
    Publisher publisher = new Publisher(job, target, files, assembly, uploads, singleUpload);
    boolean published = false;
    try {
      publisher.publish(parts);
      published = true;
    } catch (IOException e) {
      throw new UncheckedIOException("could not publish the output at " + target.describe() + ": " + e.getMessage(),
          e);
    } finally {
      cleanUp(publisher, parts, published);
    }
  }

  @Override
  public void abort(WriterCommitMessage[] messages) {
    cleanUp(new Publisher(job, target, files, assembly, uploads, singleUpload), parts(messages), false);
  }

  private static StagedPart[] parts(WriterCommitMessage[] messages) {
    StagedPart[] parts = new StagedPart[messages.length];
    for (int i = 0; i < messages.length; i++) {
      parts[i] = (StagedPart) messages[i];
    }
    return parts;
  }

  /**
   * Removes everything staged, once the job committed or aborted: the attempts' files, any half-built output, and
   * the uploads begun for parts that were not published.
   */
  private void cleanUp(Publisher publisher, StagedPart[] parts, boolean published) {
    if (assembly != null) {
      assembly.close();
    }
    try {
      publisher.cleanUp(published ? Publisher.withRows(parts) : java.util.List.of());
    } catch (IOException e) {
      throw new UncheckedIOException("could not remove the staging directory " + target.staging()
          + " or abort the uploads of the parts of " + target.describe(), e);
    }
  }

  /** Removes the staging directory of a micro-batch, whose parts are staged and renamed, never uploaded. */
  static void removeStaging(OutputFiles files, OutputTarget target) {
    try {
      files.deleteRecursively(target.staging());
    } catch (IOException e) {
      throw new UncheckedIOException("could not remove the staging directory " + target.staging(), e);
    }
  }

  @Override
  public String toString() {
    return "NpyBatchWrite[" + job.format() + " " + target.mode() + " " + target.describe() + "]";
  }
}
