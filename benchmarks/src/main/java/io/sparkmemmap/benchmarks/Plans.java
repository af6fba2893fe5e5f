package io.sparkmemmap.benchmarks;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.execution.SparkPlan;
import org.apache.spark.sql.execution.adaptive.AdaptiveSparkPlanExec;
import org.apache.spark.sql.execution.adaptive.QueryStageExec;
import org.apache.spark.sql.execution.datasources.v2.BatchScanExec;
import scala.jdk.javaapi.CollectionConverters;

/** What the benchmarks check in plans, and Spark's way of timing a scan alone. */
final class Plans {
  private Plans() {}

  /**
   * The line of {@code df}'s physical plan that shows the scan {@code node}; fails unless it says {@code detail}
   * (that the aggregates or the row range were pushed into the scan), so that a benchmark never times a plan
   * other than the one it names.
   */
  static String requireScan(Dataset<?> df, String node, String detail) {
    String plan = df.queryExecution().executedPlan().toString();
    for (String line : plan.split("\n")) {
      int at = line.indexOf(node + " ");
      if (at >= 0 && line.contains(detail)) {
        return line.substring(at).replace(" RuntimeFilters: []", "").trim();
      }
    }
    throw new IllegalStateException("expected a " + node + " with " + detail + " in the plan:\n" + plan);
  }

  /** Reads every selected row into Spark and drops it, as Spark's own benchmarks time a scan. */
  static Object noop(Dataset<Row> df) {
    df.write().format("noop").mode("overwrite").save();
    return null;
  }

  /**
   * The value of a metric of the connector's scan in the plan {@code df} ran (its last run), through adaptive
   * execution's final plan and query stages; fails if the plan has no scan with that metric.
   */
  static long scanMetric(Dataset<?> df, String name) {
    Long value = scanMetric(df.queryExecution().executedPlan(), name);
    if (value == null) {
      throw new IllegalStateException("no scan with a metric " + name + " in the plan:\n"
          + df.queryExecution().executedPlan());
    }
    return value;
  }

  private static Long scanMetric(SparkPlan plan, String name) {
    if (plan instanceof AdaptiveSparkPlanExec adaptive) {
      return scanMetric(adaptive.executedPlan(), name);
    }
    if (plan instanceof QueryStageExec stage) {
      return scanMetric(stage.plan(), name);
    }
    if (plan instanceof BatchScanExec scan && scan.metrics().contains(name)) {
      return scan.metrics().apply(name).value();
    }
    for (SparkPlan child : CollectionConverters.asJava(plan.children())) {
      Long value = scanMetric(child, name);
      if (value != null) {
        return value;
      }
    }
    return null;
  }
}
