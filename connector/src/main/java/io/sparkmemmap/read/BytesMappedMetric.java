package io.sparkmemmap.read;

import org.apache.spark.sql.connector.metric.CustomSumMetric;
import org.apache.spark.util.Utils;

/** Bytes of input files that tasks mapped, or read where files cannot be mapped: the I/O a scan caused. */
public final class BytesMappedMetric extends CustomSumMetric {
  static final String NAME = "bytesMapped";

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public String description() {
    return "bytes mapped or read from files";
  }

  @Override
  public String aggregateTaskMetrics(long[] taskMetrics) {
    return Utils.bytesToString(sum(taskMetrics));
  }

  static long sum(long[] values) {
    long total = 0;
    for (long v : values) {
      total += v;
    }
    return total;
  }
}
