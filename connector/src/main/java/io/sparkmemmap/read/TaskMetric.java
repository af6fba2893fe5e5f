package io.sparkmemmap.read;

import org.apache.spark.sql.connector.metric.CustomTaskMetric;

/** The value of a scan metric in one task so far. */
record TaskMetric(String name, long value) implements CustomTaskMetric {}
