package io.sparkmemmap.write;

import java.io.Serializable;
import org.apache.spark.sql.connector.write.WriterCommitMessage;

/**
 * What one task attempt of a records write committed: its data part (the elements of its records back to back) and
 * its lengths part ({@link RecordsJob#ENTRY_BYTES} per record), and what the job needs to join the tasks' documents
 * and check the dtype: the document keys of its first and last record, and its largest element.
 *
 * @param dataFile URI of the data part; null when the task had no records
 */
record StagedRecords(int partitionId, long taskId, String dataFile, String lengthsFile, long records, long dataBytes,
    Serializable firstDocument, Serializable lastDocument, double maxElement) implements WriterCommitMessage {

  static StagedRecords empty(int partitionId, long taskId) {
    return new StagedRecords(partitionId, taskId, null, null, 0, 0, null, null, Double.NEGATIVE_INFINITY);
  }

  org.apache.hadoop.fs.Path dataPath() {
    return new org.apache.hadoop.fs.Path(java.net.URI.create(dataFile));
  }

  org.apache.hadoop.fs.Path lengthsPath() {
    return new org.apache.hadoop.fs.Path(java.net.URI.create(lengthsFile));
  }
}
