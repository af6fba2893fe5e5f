package io.sparkmemmap.benchmarks;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

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
}
