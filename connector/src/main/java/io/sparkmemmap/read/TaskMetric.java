package io.sparkmemmap.read;

import org.apache.spark.sql.connector.metric.CustomTaskMetric;

/** The value of a scan metric in one task so far. */
record TaskMetric(String name, long value) implements CustomTaskMetric {
  /** The values of the scans' metrics ({@link ArrayScan#supportedCustomMetrics}) in a task reading {@code rows}. */
  static CustomTaskMetric[] of(PartitionRows rows) {
    return new CustomTaskMetric[] {
        new TaskMetric(BytesMappedMetric.NAME, rows == null ? 0 : rows.bytesMapped()),
        new TaskMetric(BytesReadMetric.NAME, rows == null ? 0 : rows.bytesRead()),
        new TaskMetric(RowsReadMetric.NAME, rows == null ? 0 : rows.rowsRead()),
        new TaskMetric(BytesFetchedMetric.NAME, rows == null ? 0 : rows.bytesFetched()),
        new TaskMetric(FetchRequestsMetric.NAME, rows == null ? 0 : rows.fetchRequests())};
  }
}
