package io.sparkmemmap.write;

import io.sparkmemmap.read.PathOptions;
import java.io.IOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.fs.FileSystem;
import org.apache.spark.SparkFiles;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.util.ArrayData;
import org.apache.spark.sql.connector.write.DataWriter;

/**
 * Writes one task's records, for ragged and Megatron writes alike, into staging files ({@link StagingFile},
 * preallocated and filled): the elements of every record back to back, encoded as the job's
 * {@link ElementEncoding} says, and a {@code [start, length]} int64 pair per record, starts counted from the task's
 * first element; a Megatron write adds its {@link SequenceMarks} part. None has a header: the job puts the parts of
 * all tasks behind one ({@link RaggedPublisher}, {@link MegatronPublisher}). Targets off the local file system are
 * staged on local disk and uploaded at commit, as {@link NpyDataWriter} does.
 */
final class RecordDataWriter implements DataWriter<InternalRow> {
  static final int PAIR_BYTES = 16;

  private final RecordWriteJob job;
  private final int partitionId;
  private final long taskId;
  private final ValueEncoder element;
  private final List<org.apache.hadoop.fs.Path> uploaded = new ArrayList<>();
  private StagingFile elements;
  private StagingFile index;
  private SequenceMarks.Task marks;
  private long records;
  private long elementCount;

  RecordDataWriter(RecordWriteJob job, int partitionId, long taskId) {
    this.job = job;
    this.partitionId = partitionId;
    this.taskId = taskId;
    this.element = job.element().valueEncoder();
  }

  @Override
  public void write(InternalRow row) throws IOException {
    if (row.isNullAt(job.ordinal())) {
      throw refused("column '" + job.column() + "' holds a null array (row " + records + " of partition "
          + partitionId + "); a record cannot be null: drop or fill the nulls first (an empty array is a record "
          + "of length 0)", null);
    }
    if (elements == null) {
      open();
    }
    ArrayData array = row.getArray(job.ordinal());
    int n = array.numElements();
    ByteBuffer buffer = elements.buffer();
    for (int i = 0; i < n; i++) {
      int pos = elements.nextRow();
      if (element.hasGaps()) {
        ValueEncoder.zero(buffer, pos, pos + element.byteSize);
      }
      try {
        element.encode(array, i, buffer, pos);
      } catch (NpyWriteException e) {
        throw refused(e.getMessage() + " (element " + i + " of row " + records + " of partition " + partitionId
            + ")", e);
      }
    }
    if (marks != null) {
      try {
        marks.add(row, array);
      } catch (NpyWriteException e) {
        throw refused(e.getMessage() + " (row " + records + " of partition " + partitionId + ")", e);
      }
    }
    int pos = index.nextRow();
    index.buffer().putLong(pos, elementCount).putLong(pos + 8, n);
    elementCount += n;
    records++;
  }

  private NpyWriteException refused(String problem, NpyWriteException cause) {
    return new NpyWriteException(PathOptions.about(job.path(), problem), cause);
  }

  private void open() throws IOException {
    elements = StagingFile.create(stagedFile("elements"), 0, element.byteSize);
    index = StagingFile.create(stagedFile("index"), 0, PAIR_BYTES);
    if (job.marks() != null) {
      marks = new SequenceMarks.Task(job.marks(), StagingFile.create(stagedFile("marks"), 0,
          SequenceMarks.ENTRY_BYTES));
    }
  }

  /** Unique per attempt, so that a retried or speculative attempt never meets another's file. */
  private String fileName(String kind) {
    return "part-" + partitionId + "-attempt-" + taskId + "." + kind;
  }

  private Path stagedFile(String kind) {
    return job.localTarget()
        ? OutputFiles.Local.nio(new org.apache.hadoop.fs.Path(URI.create(job.stagingDir())))
            .resolve(WriteJob.ATTEMPTS).resolve(fileName(kind))
        : Paths.get(SparkFiles.getRootDirectory()).resolve(".spark-memmap-" + job.queryId() + "-" + fileName(kind));
  }

  @Override
  public RecordPart commit() throws IOException {
    if (elements == null) {
      return RecordPart.empty(partitionId, taskId);
    }
    elements.finish(new byte[0], elementCount);
    index.finish(new byte[0], records);
    SequenceMarks.Staged stagedMarks = null;
    if (marks != null) {
      marks.file().finish(new byte[0], records);
      stagedMarks = marks.staged(staged(marks.file(), "marks"));
    }
    return new RecordPart(partitionId, taskId, staged(elements, "elements"), elementCount, staged(index, "index"),
        records, stagedMarks);
  }

  /** The URI the job finds a finished staging file at: where it is, or where it was uploaded to. */
  private String staged(StagingFile file, String kind) throws IOException {
    if (job.localTarget()) {
      return file.path().toUri().toString();
    }
    org.apache.hadoop.fs.Path target = new org.apache.hadoop.fs.Path(
        new org.apache.hadoop.fs.Path(URI.create(job.stagingDir())),
        WriteJob.ATTEMPTS + "/" + fileName(kind));
    FileSystem fs = target.getFileSystem(job.hadoopConf().get());
    uploaded.add(target);
    fs.copyFromLocalFile(true, false, new org.apache.hadoop.fs.Path(file.path().toUri()), target);
    return target.toUri().toString();
  }

  @Override
  public void abort() throws IOException {
    try {
      for (StagingFile file : stagingFiles()) {
        if (file != null) {
          file.delete();
        }
      }
    } finally {
      for (org.apache.hadoop.fs.Path path : uploaded) {
        path.getFileSystem(job.hadoopConf().get()).delete(path, false);
      }
    }
  }

  private StagingFile[] stagingFiles() {
    return new StagingFile[] {elements, index, marks == null ? null : marks.file()};
  }

  @Override
  public void close() throws IOException {
    for (StagingFile file : stagingFiles()) {
      if (file != null) {
        file.close();
        if (!job.localTarget()) {
          Files.deleteIfExists(file.path());
        }
      }
    }
  }
}
