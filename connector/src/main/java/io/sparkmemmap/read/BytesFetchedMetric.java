package io.sparkmemmap.read;

import org.apache.spark.sql.connector.metric.CustomSumMetric;
import org.apache.spark.util.Utils;

/**
 * Bytes that tasks fetched from remote file systems (object stores, HDFS): what crossed the network, as the store's
 * connector counts it ({@link RemoteFetches}). Local files count in {@link BytesMappedMetric} instead.
 */
public final class BytesFetchedMetric extends CustomSumMetric {
  static final String NAME = "bytesFetched";

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public String description() {
    return "bytes fetched from remote files";
  }

  @Override
  public String aggregateTaskMetrics(long[] taskMetrics) {
    return Utils.bytesToString(BytesMappedMetric.sum(taskMetrics));
  }
}
