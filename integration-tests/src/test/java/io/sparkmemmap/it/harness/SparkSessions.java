package io.sparkmemmap.it.harness;

import java.util.List;
import java.util.Map;
import org.apache.spark.sql.SparkSession;

/** Spark sessions whose driver is the test JVM. Whoever starts one stops it. */
public final class SparkSessions {
  private SparkSessions() {}

  /** {@code local[2]} on loopback without a UI. */
  public static SparkSession local(String appName) {
    return local(appName, Map.of());
  }

  /** {@code local[2]} on loopback without a UI, with more configuration ({@link MiniHdfs#sparkConf()}, say). */
  public static SparkSession local(String appName, Map<String, String> conf) {
    SparkSession.Builder builder = SparkSession.builder().master("local[2]").appName(appName);
    conf.forEach(builder::config);
    return loopback(builder).getOrCreate();
  }

  /**
   * A driver in this JVM with its executors on {@code cluster}: they get the connector's shaded jar and this
   * module's test classes (closures of the tests) on their classpath, and run short jobs
   * ({@link SparkSubmitRun#SHORT_JOB_JVM_OPTION}).
   */
  public static SparkSession onCluster(StandaloneCluster cluster, String appName) {
    return onCluster(cluster, appName, Map.of());
  }

  /** {@link #onCluster(StandaloneCluster, String)} with more configuration ({@code spark.task.maxFailures}, say). */
  public static SparkSession onCluster(StandaloneCluster cluster, String appName, Map<String, String> conf) {
    SparkSession.Builder builder = SparkSession.builder().appName(appName);
    cluster.applicationConf(List.of(ItEnvironment.connectorShadedJar().toString(),
        ItEnvironment.testClasses().toString())).forEach(builder::config);
    builder.config("spark.executor.extraJavaOptions", SparkSubmitRun.SHORT_JOB_JVM_OPTION);
    conf.forEach(builder::config);
    return loopback(builder).getOrCreate();
  }

  private static SparkSession.Builder loopback(SparkSession.Builder builder) {
    return builder
        .config("spark.driver.host", Loopback.HOST)
        .config("spark.driver.bindAddress", Loopback.HOST)
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.sql.warehouse.dir", ItEnvironment.workDir("spark-warehouse").toUri().toString());
  }
}
