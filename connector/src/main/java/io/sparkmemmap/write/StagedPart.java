package io.sparkmemmap.write;

import java.util.Arrays;
import org.apache.spark.sql.connector.write.WriterCommitMessage;

/**
 * What one task attempt committed: the file holding its rows, and the array lengths it learned. The job uses
 * exactly the message Spark hands it for each partition, so the files of failed or speculative attempts are never
 * read.
 *
 * @param file URI of the staged file (header, then {@code rows} rows at {@code dataOffset}); null when no rows
 * @param lengths the array lengths the task's rows have; null when the task had no rows
 * @param upload the upload of the file to its final name, left pending for job commit ({@link PartUploads}); null
 *     where the file was staged
 */
record StagedPart(int partitionId, long taskId, String file, long rows, long dataOffset, long[] lengths,
    PendingUpload upload) implements WriterCommitMessage {

  static StagedPart empty(int partitionId, long taskId) {
    return new StagedPart(partitionId, taskId, null, 0, 0, null, null);
  }

  /** The staged file; a URI, so that no character of the path is read as escaping. */
  org.apache.hadoop.fs.Path path() {
    return new org.apache.hadoop.fs.Path(java.net.URI.create(file));
  }

  boolean hasRows() {
    return rows > 0;
  }

  @Override
  public String toString() {
    return "StagedPart[partition " + partitionId + ", task " + taskId + ", " + rows + " rows in " + file
        + (lengths == null ? "" : ", lengths " + Arrays.toString(lengths)) + "]";
  }
}
