package io.sparkmemmap.it.jobs;

import java.io.IOException;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Properties;
import org.apache.spark.SparkEnv;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.SparkSession;

/**
 * A plain Spark job (no connector) that shows where its tasks ran: it counts and sums {@code range(rows)} in
 * {@code partitions} tasks, has the executors write the numbers as text files, and records for every task its
 * executor id, JVM and whether {@code probeClass} was loadable there (through the application's class loader, and
 * through the JVM's own class path).
 *
 * <p>Usage: {@code ExecutorProbe <result.properties> <text output dir> <rows> <partitions> [probeClass]}.
 */
public final class ExecutorProbe {
  private ExecutorProbe() {}

  public static void main(String[] args) throws IOException {
    Path resultFile = Paths.get(args[0]);
    String textOutput = args[1];
    long rows = Long.parseLong(args[2]);
    int partitions = Integer.parseInt(args[3]);
    String probeClass = args.length > 4 ? args[4] : "";

    SparkSession spark = SparkSession.builder().appName("ExecutorProbe").getOrCreate();
    try {
      Properties result = run(spark, textOutput, rows, partitions, probeClass);
      JobResult.write(result, resultFile, "ExecutorProbe");
    } finally {
      spark.stop();
    }
  }

  /** Runs the probe on {@code spark} and returns what {@link #main} writes to the result file. */
  public static Properties run(SparkSession spark, String textOutput, long rows, int partitions,
      String probeClass) {
    Dataset<Long> ids = spark.range(0, rows, 1, partitions);
    long count = ids.count();
    List<String> tasks = ids.mapPartitions(
        (MapPartitionsFunction<Long, String>) values -> Collections.singletonList(
            describeTask(values, probeClass)).iterator(),
        Encoders.STRING()).collectAsList();
    ids.selectExpr("CAST(id AS STRING)").write().text(textOutput);

    Properties result = new Properties();
    result.setProperty("applicationId", spark.sparkContext().applicationId());
    result.setProperty("count", Long.toString(count));
    result.setProperty("driver.pid", Long.toString(ProcessHandle.current().pid()));
    result.setProperty("driver.executorId", SparkEnv.get().executorId());
    result.setProperty("tasks", Integer.toString(tasks.size()));
    for (int i = 0; i < tasks.size(); i++) {
      result.setProperty("task." + i, tasks.get(i));
    }
    return result;
  }

  /** {@code partition,executorId,pid,rows,sum,loadable via task class loader,loadable via system class path}. */
  private static String describeTask(Iterator<Long> values, String probeClass) {
    long rows = 0;
    long sum = 0;
    while (values.hasNext()) {
      sum += values.next();
      rows++;
    }
    return String.join(",",
        Integer.toString(TaskContext.getPartitionId()),
        SparkEnv.get().executorId(),
        Long.toString(ProcessHandle.current().pid()),
        Long.toString(rows),
        Long.toString(sum),
        Boolean.toString(loadable(probeClass, Thread.currentThread().getContextClassLoader())),
        Boolean.toString(loadable(probeClass, ClassLoader.getSystemClassLoader())));
  }

  private static boolean loadable(String className, ClassLoader loader) {
    if (className.isEmpty()) {
      return false;
    }
    try {
      Class.forName(className, false, loader);
      return true;
    } catch (ClassNotFoundException e) {
      return false;
    }
  }
}
