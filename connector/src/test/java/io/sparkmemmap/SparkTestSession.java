package io.sparkmemmap;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * The one local Spark session of a test JVM: {@code local[2,3]} (two cores; a failed task is retried, up to three
 * attempts, as on a cluster, so that retries can be tested), bound to 127.0.0.1, no UI. Created on first use
 * and stopped when the JVM exits, so test classes share it instead of paying for a session each. Dates and
 * timestamps come back as {@code java.time} values, which hold every proleptic Gregorian date exactly.
 */
public final class SparkTestSession {
  private static SparkSession session;

  private SparkTestSession() {}

  public static synchronized SparkSession get() {
    if (session == null) {
      session = SparkSession.builder()
          .master("local[2,3]")
          .appName("spark-memmap-tests")
          .config("spark.driver.host", "127.0.0.1")
          .config("spark.driver.bindAddress", "127.0.0.1")
          .config("spark.ui.enabled", "false")
          .config("spark.ui.showConsoleProgress", "false")
          .config("spark.sql.shuffle.partitions", "2")
          .config("spark.sql.adaptive.enabled", "false")
          .config("spark.sql.datetime.java8API.enabled", "true")
          .getOrCreate();
      SparkSession created = session;
      Runtime.getRuntime().addShutdownHook(new Thread(created::stop, "stop-test-spark-session"));
    }
    return session;
  }

  /** The longs {@code [from, to)} as one column {@code value}, in two partitions: what most write tests write. */
  public static Dataset<Row> longs(long from, long to) {
    return get().range(from, to, 1, 2).toDF("value");
  }
}
