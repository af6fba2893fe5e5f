package io.sparkmemmap.write;

import io.sparkmemmap.format.NpyHeader;
import io.sparkmemmap.format.Shape;
import io.sparkmemmap.read.PathOptions;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.fs.FileSystem;
import org.apache.spark.SparkFiles;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.connector.write.DataWriter;

/**
 * Writes one task's rows into a staging file: a complete {@code .npy} (or raw {@code .dat}) part. The layout is
 * fixed by the first row (array lengths); the header's size does not depend on the row count (NumPy's growth space
 * keeps it constant up to 21 digits), so rows go straight to their final offset and the header is filled in at
 * commit. Targets off the local file system are staged on local disk and uploaded at commit; for a single file
 * there, without a header ({@link WriteJob#rowsOnly}).
 */
final class NpyDataWriter implements DataWriter<InternalRow> {
  /** Rows kept while a null array hides its length, before giving up. */
  static final int MAX_PENDING_ROWS = 10_000;

  private final WriteJob job;
  private final int partitionId;
  private final long taskId;
  private final long[] lengths;
  private final List<InternalRow> pending = new ArrayList<>();
  private RowEncoder encoder;
  private StagingFile staging;
  private org.apache.hadoop.fs.Path uploaded;
  /** The part's final name, where it is uploaded for job commit to complete ({@link PartUploads}); else null. */
  private final org.apache.hadoop.fs.Path uploadTo;
  /** The upload of the single file this part's rows go into ({@link SingleFileUpload}); else null. */
  private final SingleFileUpload singleUpload;
  /** Whether the job's journal is open: what this task stages, it stages under it ({@link PartUploads#stage}). */
  private final boolean journaled;
  private long rows;

  NpyDataWriter(WriteJob job, int partitionId, long taskId, org.apache.hadoop.fs.Path uploadTo,
      SingleFileUpload singleUpload, boolean journaled) {
    this.job = job;
    this.partitionId = partitionId;
    this.taskId = taskId;
    this.lengths = job.plan().initialLengths();
    this.uploadTo = uploadTo;
    this.singleUpload = singleUpload;
    this.journaled = journaled;
  }

  @Override
  public void write(InternalRow row) throws IOException {
    if (encoder == null) {
      if (!job.plan().resolve(row, lengths)) {
        holdUntilLengthsKnown(row);
        return;
      }
      open();
      for (InternalRow held : pending) {
        writeRow(held);
      }
      pending.clear();
    }
    writeRow(row);
  }

  private void writeRow(InternalRow row) throws IOException {
    int pos = staging.nextRow();
    try {
      encoder.encode(row, staging.buffer(), pos);
    } catch (NpyWriteException e) {
      throw refused(e.getMessage() + " (row " + rows + " of partition " + partitionId + ")", e);
    }
    rows++;
  }

  /** A null array before any non-null one leaves its length unknown: keep the row if nulls can be filled. */
  private void holdUntilLengthsKnown(InternalRow row) {
    if (!job.fillsNulls()) {
      throw refused("column '" + unknownColumn() + "' holds a null array (row " + pending.size()
          + " of partition " + partitionId + "), which NumPy cannot represent: set the nullValue option to fill "
          + "it, or drop or fill the nulls first");
    }
    if (pending.size() >= MAX_PENDING_ROWS) {
      throw refused("the first " + MAX_PENDING_ROWS + " rows of partition " + partitionId + " hold "
          + "only null arrays in column '" + unknownColumn() + "', so its length is unknown; drop or fill the "
          + "nulls first");
    }
    pending.add(row.copy());
  }

  /** A value that cannot be written, as an error naming the target the user gave. */
  private NpyWriteException refused(String problem) {
    return refused(problem, null);
  }

  private NpyWriteException refused(String problem, NpyWriteException cause) {
    return new NpyWriteException(PathOptions.about(job.path(), problem), cause);
  }

  private String unknownColumn() {
    List<String> columns = job.plan().arrayColumns();
    for (int i = 0; i < lengths.length; i++) {
      if (lengths[i] < 0) {
        return columns.get(i);
      }
    }
    return columns.isEmpty() ? "?" : columns.get(0);
  }

  private void open() throws IOException {
    encoder = job.plan().encoder(lengths);
    long dataOffset = header(0).length;
    Path file = job.localTarget()
        ? OutputFiles.Local.nio(new org.apache.hadoop.fs.Path(URI.create(job.stagingDir())))
            .resolve(WriteJob.ATTEMPTS).resolve(fileName())
        : Paths.get(SparkFiles.getRootDirectory()).resolve(".spark-memmap-" + job.queryId() + "-" + fileName());
    staging = StagingFile.create(file, dataOffset, encoder.rowBytes);
  }

  /** Unique per attempt, so that a retried or speculative attempt never meets another's file. */
  private String fileName() {
    return "part-" + partitionId + "-attempt-" + taskId + job.format().fileSuffix();
  }

  /** The header for {@code count} rows; empty for headerless output and for parts of rows only. */
  private byte[] header(long count) {
    if (!job.hasHeader() || job.rowsOnly()) {
      return new byte[0];
    }
    Shape row = job.plan().rowShape(lengths);
    long[] dims = new long[row.rank() + 1];
    dims[0] = count;
    System.arraycopy(row.dims(), 0, dims, 1, row.rank());
    return NpyHeader.encode(job.plan().dtype(lengths), false, Shape.of(dims));
  }

  @Override
  public StagedPart commit() throws IOException {
    if (encoder == null) {
      if (!pending.isEmpty()) {
        throw refused("every row of partition " + partitionId + " holds a null array in column '"
            + unknownColumn() + "', so its length is unknown; drop or fill the nulls first");
      }
      return StagedPart.empty(partitionId, taskId);
    }
    byte[] header = header(rows);
    staging.finish(header, rows);
    String file = staging.path().toUri().toString();
    if (uploadTo != null) {
      PendingUpload upload = PartUploads.upload(staging.path(), uploadTo, Publisher.uploadJournal(job),
          job.hadoopConf().get());
      return new StagedPart(partitionId, taskId, uploadTo.toUri().toString(), rows, header.length, lengths.clone(),
          upload);
    }
    PendingUpload upload = null;
    if (!job.localTarget()) {
      org.apache.hadoop.fs.Path target = new org.apache.hadoop.fs.Path(
          new org.apache.hadoop.fs.Path(URI.create(job.stagingDir())), WriteJob.ATTEMPTS + "/" + fileName());
      FileSystem fs = target.getFileSystem(job.hadoopConf().get());
      uploaded = target;
      if (singleUpload != null) {
        upload = singleUpload.uploadPart(staging.path(), partitionId, target, Publisher.uploadJournal(job),
            job.hadoopConf().get());
      } else if (journaled) {
        PartUploads.stage(staging.path(), Files.size(staging.path()), target, Publisher.uploadJournal(job),
            job.hadoopConf().get());
      } else {
        fs.copyFromLocalFile(true, false, new org.apache.hadoop.fs.Path(staging.path().toUri()), target);
      }
      file = target.toUri().toString();
    }
    return new StagedPart(partitionId, taskId, file, rows, header.length, lengths.clone(), upload);
  }

  @Override
  public void abort() throws IOException {
    pending.clear();
    try {
      if (staging != null) {
        staging.delete();
      }
    } finally {
      if (uploaded != null) {
        uploaded.getFileSystem(job.hadoopConf().get()).delete(uploaded, false);
      }
    }
  }

  @Override
  public void close() throws IOException {
    if (staging != null) {
      staging.close();
      if (!job.localTarget()) {
        Files.deleteIfExists(staging.path());
      }
    }
  }
}
