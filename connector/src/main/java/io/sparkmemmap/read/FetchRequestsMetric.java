package io.sparkmemmap.read;

import org.apache.spark.sql.connector.metric.CustomSumMetric;

/** Requests that tasks made to remote file systems: GETs on an object store, positioned reads on HDFS. */
public final class FetchRequestsMetric extends CustomSumMetric {
  static final String NAME = "fetchRequests";

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public String description() {
    return "requests to remote files";
  }
}
