package io.sparkmemmap.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.sparkmemmap.it.harness.ItEnvironment;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/** What {@link io.sparkmemmap.it.jobs.ExecutorProbe} found out, and the checks every test makes of it. */
final class ProbeResult {
  /** One task of the probe: where it ran and what it saw. */
  record Task(int partition, String executorId, long pid, long rows, long sum, boolean probeClassInTaskLoader,
      boolean probeClassOnSystemClasspath) {}

  final String applicationId;
  final long count;
  final long driverPid;
  final String driverExecutorId;
  final List<Task> tasks;

  private ProbeResult(Properties properties) {
    applicationId = properties.getProperty("applicationId");
    count = Long.parseLong(properties.getProperty("count"));
    driverPid = Long.parseLong(properties.getProperty("driver.pid"));
    driverExecutorId = properties.getProperty("driver.executorId");
    int taskCount = Integer.parseInt(properties.getProperty("tasks"));
    List<Task> parsed = new ArrayList<>();
    for (int i = 0; i < taskCount; i++) {
      String[] f = properties.getProperty("task." + i).split(",");
      parsed.add(new Task(Integer.parseInt(f[0]), f[1], Long.parseLong(f[2]), Long.parseLong(f[3]),
          Long.parseLong(f[4]), Boolean.parseBoolean(f[5]), Boolean.parseBoolean(f[6])));
    }
    tasks = List.copyOf(parsed);
  }

  static ProbeResult of(Properties properties) {
    return new ProbeResult(properties);
  }

  static ProbeResult read(Path file) throws IOException {
    return new ProbeResult(JobResults.read(file));
  }

  Set<String> executorIds() {
    return tasks.stream().map(Task::executorId).collect(Collectors.toCollection(TreeSet::new));
  }

  Set<Long> taskPids() {
    return tasks.stream().map(Task::pid).collect(Collectors.toCollection(TreeSet::new));
  }

  /**
   * The job saw {@code range(rows)} in {@code partitions} tasks: the count, each partition once, and the rows and
   * their sum over all tasks (checked against the closed form).
   */
  void assertCountedRange(long rows, int partitions) {
    assertEquals(rows, count, "count()");
    assertEquals(partitions, tasks.size(), "tasks reported");
    assertEquals(partitions, tasks.stream().map(Task::partition).distinct().count(), "distinct partitions");
    assertEquals(rows, tasks.stream().mapToLong(Task::rows).sum(), "rows over all tasks");
    assertEquals(rows * (rows - 1) / 2, tasks.stream().mapToLong(Task::sum).sum(), "sum over all tasks");
  }

  /** The text files the executors wrote hold each number of {@code range(rows)} exactly once. */
  static void assertTextOutputIsRange(Path dir, long rows) throws IOException {
    assertEquals(true, Files.exists(dir.resolve("_SUCCESS")), "_SUCCESS in " + dir);
    List<Long> numbers = new ArrayList<>();
    try (Stream<Path> files = Files.list(dir)) {
      for (Path part : (Iterable<Path>) files.filter(f -> f.getFileName().toString().startsWith("part-"))::iterator) {
        for (String line : Files.readAllLines(part, StandardCharsets.UTF_8)) {
          numbers.add(Long.parseLong(line));
        }
      }
    }
    numbers.sort(null);
    assertEquals(rows, numbers.size(), "lines written to " + dir);
    for (int i = 0; i < numbers.size(); i++) {
      assertEquals(i, numbers.get(i), "line " + i + " of the sorted output in " + dir);
    }
  }

  /** A class of the connector's shaded jar, to see where the jar is visible. */
  static String aConnectorClass() throws IOException {
    try (JarFile jar = new JarFile(ItEnvironment.connectorShadedJar().toFile())) {
      Enumeration<JarEntry> entries = jar.entries();
      while (entries.hasMoreElements()) {
        String name = entries.nextElement().getName();
        if (name.startsWith("io/sparkmemmap/") && name.endsWith(".class") && !name.contains("$")
            && !name.endsWith("package-info.class")) {
          return name.substring(0, name.length() - ".class".length()).replace('/', '.');
        }
      }
    }
    throw new AssertionError("no io.sparkmemmap class in " + ItEnvironment.connectorShadedJar());
  }
}
