package io.sparkmemmap.read;

import org.apache.spark.sql.connector.metric.CustomSumMetric;

/** Rows the scan produced, counted by its readers. */
public final class RowsReadMetric extends CustomSumMetric {
  static final String NAME = "rowsRead";

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public String description() {
    return "rows read from arrays";
  }
}
