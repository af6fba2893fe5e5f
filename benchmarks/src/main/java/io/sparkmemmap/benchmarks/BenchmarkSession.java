package io.sparkmemmap.benchmarks;

import java.util.Map;
import org.apache.spark.sql.SparkSession;

/** The embedded Spark the benchmarks run on: local, on loopback, without a UI, otherwise Spark's defaults. */
final class BenchmarkSession {
  private BenchmarkSession() {}

  /** A new session on {@code master}; any session still active is stopped first. */
  static SparkSession start(String master) {
    return start(master, Map.of());
  }

  /** A new session on {@code master} with settings of its own (a store's {@code spark.hadoop.*}). */
  static SparkSession start(String master, Map<String, String> conf) {
    scala.Option<SparkSession> active = SparkSession.getActiveSession();
    if (active.isDefined()) {
      active.get().stop();
    }
    SparkSession.Builder builder = SparkSession.builder();
    conf.forEach(builder::config);
    SparkSession spark = builder
        .appName("spark-memmap-benchmarks")
        .master(master)
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .getOrCreate();
    spark.sparkContext().setLogLevel("WARN");
    return spark;
  }
}
