package io.sparkmemmap.read;

import org.apache.spark.sql.connector.metric.CustomSumMetric;
import org.apache.spark.util.Utils;

/** Bytes of array data turned into rows: what the rows read span in the file, whatever columns were selected. */
public final class BytesReadMetric extends CustomSumMetric {
  static final String NAME = "bytesRead";

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public String description() {
    return "bytes of array data read";
  }

  @Override
  public String aggregateTaskMetrics(long[] taskMetrics) {
    return Utils.bytesToString(BytesMappedMetric.sum(taskMetrics));
  }
}
