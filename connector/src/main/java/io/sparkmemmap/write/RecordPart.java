package io.sparkmemmap.write;

import org.apache.spark.sql.connector.write.WriterCommitMessage;

/**
 * What one task attempt of a records write committed: its elements, back to back, and an index of one little-endian
 * int64 {@code [start, length]} pair per record, starts counted from the task's first element. The job learns from
 * these counts where each task's elements land in the whole output.
 *
 * @param elementsFile URI of the staged elements (headerless); null when the task had no records
 * @param indexFile URI of the staged index pairs (headerless); null when the task had no records
 * @param marks the staged marks of a Megatron write ({@link SequenceMarks}); null for other writes or no records
 */
record RecordPart(int partitionId, long taskId, String elementsFile, long elements, String indexFile, long records,
    SequenceMarks.Staged marks) implements WriterCommitMessage {

  static RecordPart empty(int partitionId, long taskId) {
    return new RecordPart(partitionId, taskId, null, 0, null, 0, null);
  }

  boolean hasRecords() {
    return records > 0;
  }

  static org.apache.hadoop.fs.Path path(String uri) {
    return new org.apache.hadoop.fs.Path(java.net.URI.create(uri));
  }
}
