package io.sparkmemmap.it;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkmemmap.it.harness.ChildJvm;
import io.sparkmemmap.it.harness.ItEnvironment;
import io.sparkmemmap.it.harness.SparkSubmitRun;
import io.sparkmemmap.it.harness.StandaloneCluster;
import io.sparkmemmap.it.harness.StandaloneClusterExtension;
import io.sparkmemmap.it.jobs.ExecutorProbe;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The harness itself, proven with a plain Spark job submitted through {@code SparkSubmit} with the connector's
 * shaded jar in {@code --jars}: on {@code local[2]} and on the standalone cluster.
 */
@ExtendWith(StandaloneClusterExtension.class)
class SparkSubmitTest {
  private static final Duration LIMIT = Duration.ofMinutes(3);
  private static final long ROWS = 100_000;
  private static final int PARTITIONS = 6;

  @Test
  void plainJobOnLocalMasterSeesShippedJarAndWritesFiles() throws Exception {
    Path dir = ItEnvironment.workDir("submit-local-probe");
    String connectorClass = ProbeResult.aConnectorClass();

    ChildJvm driver = SparkSubmitRun.named("probe-local", dir)
        .master("local[2]")
        .jars(ItEnvironment.connectorShadedJar())
        .shortJob()
        .application(ItEnvironment.jobsJar(), ExecutorProbe.class.getName(),
            dir.resolve("result.properties").toString(), dir.resolve("text").toString(),
            Long.toString(ROWS), Integer.toString(PARTITIONS), connectorClass)
        .runSuccessfully(LIMIT);

    ProbeResult result = ProbeResult.read(dir.resolve("result.properties"));
    result.assertCountedRange(ROWS, PARTITIONS);
    ProbeResult.assertTextOutputIsRange(dir.resolve("text"), ROWS);
    assertAll(
        () -> assertEquals(driver.pid(), result.driverPid, "the job's driver is the spark-submit JVM"),
        () -> assertNotEquals(ProcessHandle.current().pid(), result.driverPid, "not the test JVM"),
        () -> assertEquals(List.of("driver"), List.copyOf(result.executorIds()), "local mode runs tasks in the driver"),
        () -> assertEquals(List.of(result.driverPid), List.copyOf(result.taskPids())),
        () -> assertTrue(result.tasks.stream().allMatch(ProbeResult.Task::probeClassInTaskLoader),
            connectorClass + " reaches the tasks through --jars"),
        () -> assertFalse(result.tasks.stream().anyMatch(ProbeResult.Task::probeClassOnSystemClasspath),
            connectorClass + " is not on the Spark runtime classpath itself"));
  }

  @Test
  void plainJobOnStandaloneClusterRunsOnBothExecutors(StandaloneCluster cluster) throws Exception {
    Path dir = ItEnvironment.workDir("submit-cluster-probe");
    String connectorClass = ProbeResult.aConnectorClass();

    SparkSubmitRun.named("probe-cluster", dir)
        .conf(cluster.applicationConf(List.of()))
        .jars(ItEnvironment.connectorShadedJar())
        .shortJob()
        .application(ItEnvironment.jobsJar(), ExecutorProbe.class.getName(),
            dir.resolve("result.properties").toString(), dir.resolve("text").toString(),
            Long.toString(ROWS), Integer.toString(PARTITIONS), connectorClass)
        .runSuccessfully(LIMIT);

    ProbeResult result = ProbeResult.read(dir.resolve("result.properties"));
    result.assertCountedRange(ROWS, PARTITIONS);
    ProbeResult.assertTextOutputIsRange(dir.resolve("text"), ROWS);
    assertAll(
        () -> assertEquals(cluster.workerCount(), result.executorIds().size(),
            "tasks ran on every executor: " + result.tasks),
        () -> assertFalse(result.executorIds().contains(result.driverExecutorId), "no task ran in the driver"),
        () -> assertEquals(cluster.workerCount(), result.taskPids().size(), "one JVM per executor"),
        () -> assertFalse(result.taskPids().contains(result.driverPid)),
        () -> assertTrue(result.tasks.stream().allMatch(ProbeResult.Task::probeClassInTaskLoader),
            connectorClass + " reaches every executor through --jars"),
        () -> assertFalse(result.tasks.stream().anyMatch(ProbeResult.Task::probeClassOnSystemClasspath),
            connectorClass + " is not on the executors' own classpath"),
        () -> assertEquals(cluster.workerCount(), workersWithExecutorLogs(cluster, result.applicationId),
            "each worker started an executor of " + result.applicationId + " and kept its log"));
  }

  /** How many workers hold an executor log of the application ({@code <app id>/<executor id>/stderr}). */
  private static long workersWithExecutorLogs(StandaloneCluster cluster, String applicationId) throws Exception {
    long workers = 0;
    for (Path workerDir : cluster.workerDirs()) {
      Path appDir = workerDir.resolve(applicationId);
      if (Files.isDirectory(appDir)) {
        try (Stream<Path> executors = Files.list(appDir)) {
          if (executors.anyMatch(executor -> Files.isRegularFile(executor.resolve("stderr")))) {
            workers++;
          }
        }
      }
    }
    return workers;
  }
}
