package io.sparkmemmap.examples;

import org.apache.spark.sql.SparkSession;

/** The embedded Spark every example runs on when no master is given: local, on loopback, without a UI. */
public final class ExampleSession {
  private ExampleSession() {}

  public static SparkSession start(String appName) {
    SparkSession.Builder builder = SparkSession.builder().appName(appName);
    if (System.getProperty("spark.master") == null) {
      builder = builder.master("local[2]")
          .config("spark.driver.host", "127.0.0.1")
          .config("spark.driver.bindAddress", "127.0.0.1")
          .config("spark.ui.enabled", "false")
          .config("spark.sql.shuffle.partitions", "4");
    }
    SparkSession spark = builder.getOrCreate();
    spark.sparkContext().setLogLevel("WARN");
    return spark;
  }
}
