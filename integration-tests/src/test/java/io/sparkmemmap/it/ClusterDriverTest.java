package io.sparkmemmap.it;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkmemmap.it.harness.ItEnvironment;
import io.sparkmemmap.it.harness.SparkSessions;
import io.sparkmemmap.it.harness.StandaloneCluster;
import io.sparkmemmap.it.harness.StandaloneClusterExtension;
import io.sparkmemmap.it.jobs.ExecutorProbe;
import java.nio.file.Path;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The harness's other way onto the cluster: the driver is the test JVM (so a test can look at plans and metrics),
 * the executors are the workers' JVMs with the connector's jar and the test classes on their classpath.
 */
@ExtendWith(StandaloneClusterExtension.class)
class ClusterDriverTest {
  @Test
  void testJvmDrivesExecutorsOnTheCluster(StandaloneCluster cluster) throws Exception {
    Path dir = ItEnvironment.workDir("cluster-driver-probe");
    long rows = 60_000;
    int partitions = 4;
    String connectorClass = ProbeResult.aConnectorClass();

    SparkSession spark = SparkSessions.onCluster(cluster, "ClusterDriverTest");
    ProbeResult result;
    try {
      result = ProbeResult.of(ExecutorProbe.run(spark, dir.resolve("text").toString(), rows, partitions,
          connectorClass));
    } finally {
      spark.stop();
    }

    result.assertCountedRange(rows, partitions);
    ProbeResult.assertTextOutputIsRange(dir.resolve("text"), rows);
    assertAll(
        () -> assertEquals(ProcessHandle.current().pid(), result.driverPid, "the driver is the test JVM"),
        () -> assertEquals(cluster.workerCount(), result.executorIds().size(),
            "tasks ran on every executor: " + result.tasks),
        () -> assertEquals(cluster.workerCount(), result.taskPids().size(), "one JVM per executor"),
        () -> assertFalse(result.taskPids().contains(result.driverPid), "no task ran in the driver"),
        () -> assertTrue(result.tasks.stream().allMatch(ProbeResult.Task::probeClassOnSystemClasspath),
            connectorClass + " is on every executor's classpath (spark.executor.extraClassPath)"));
  }
}
