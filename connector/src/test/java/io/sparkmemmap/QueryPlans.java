package io.sparkmemmap;

import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.execution.SparkPlan;
import org.apache.spark.sql.execution.datasources.v2.BatchScanExec;
import scala.jdk.javaapi.CollectionConverters;

/** What tests look for in the physical plan of a query: its nodes, its scan, and the scan's metrics. */
public final class QueryPlans {
  private QueryPlans() {}

  /** Every node of the plan the query runs, root first. */
  public static List<SparkPlan> nodes(Dataset<?> df) {
    return nodes(df.queryExecution().executedPlan());
  }

  /** Every node of a plan, root first. */
  public static List<SparkPlan> nodes(SparkPlan plan) {
    List<SparkPlan> nodes = new ArrayList<>();
    collect(plan, nodes);
    return nodes;
  }

  /** Whether the plan the query runs has a node of that kind (a filter or an aggregate left to Spark). */
  public static boolean contains(Dataset<?> df, Class<?> kind) {
    return nodes(df).stream().anyMatch(kind::isInstance);
  }

  /** The scan of the query. */
  public static BatchScanExec scan(Dataset<?> df) {
    for (SparkPlan node : nodes(df)) {
      if (node instanceof BatchScanExec scan) {
        return scan;
      }
    }
    throw new AssertionError("no scan in " + df.queryExecution().executedPlan());
  }

  /** The value of a metric of the query's scan ({@code bytesMapped}, {@code rowsRead}, ...) after the query ran. */
  public static long metric(Dataset<?> df, String name) {
    return scan(df).metrics().get(name).get().value();
  }

  private static void collect(SparkPlan plan, List<SparkPlan> into) {
    into.add(plan);
    for (SparkPlan child : CollectionConverters.asJava(plan.children())) {
      collect(child, into);
    }
  }
}
