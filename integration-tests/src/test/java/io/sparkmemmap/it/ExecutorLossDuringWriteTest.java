package io.sparkmemmap.it;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkmemmap.Python;
import io.sparkmemmap.it.harness.ItEnvironment;
import io.sparkmemmap.it.harness.SparkSessions;
import io.sparkmemmap.it.harness.StandaloneCluster;
import io.sparkmemmap.it.harness.StandaloneClusterExtension;
import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.spark.ExecutorLostFailure;
import org.apache.spark.SparkContext;
import org.apache.spark.SparkEnv;
import org.apache.spark.TaskContext;
import org.apache.spark.TaskEndReason;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerExecutorRemoved;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.scheduler.TaskInfo;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * An executor JVM killed (SIGKILL) while its task writes: the job retries the lost task elsewhere, succeeds, and
 * its output holds every row exactly once, with nothing staged left beside it.
 *
 * <p>The kill is placed, not timed: the first attempt of each task hands its writer part of its rows (more than a
 * staging buffer, so the attempt's staged file holds rows), then pauses until the test releases it. The test waits
 * until a task pauses on each executor, checks that the victim's attempt has staged rows, kills that executor's
 * JVM, waits for it to die, and releases the survivor. Retried attempts and tasks that start after the release do
 * not pause.
 */
@ExtendWith(StandaloneClusterExtension.class)
class ExecutorLossDuringWriteTest {
  private static final int PARTITIONS = 4;
  private static final long ROWS_PER_PARTITION = 400_000;
  private static final long ROWS = PARTITIONS * ROWS_PER_PARTITION;
  /** 2.4 MB of int64 rows: past the writer's 1 MiB buffer, so the paused attempt's file already holds rows. */
  private static final long PAUSE_AFTER = 300_000;
  private static final String RELEASE = "release";
  private static final String PAUSED = "paused-";
  /** Bounds on waits for the cluster (it is slow under load); none of them is what the test asserts. */
  private static final Duration LIMIT = Duration.ofMinutes(3);

  @ParameterizedTest(name = "singleFile={0}")
  @ValueSource(booleans = {false, true})
  @Timeout(value = 5, unit = TimeUnit.MINUTES)
  void lostTaskIsRetriedAndEveryRowIsWrittenOnce(boolean singleFile, StandaloneCluster cluster) throws Exception {
    Path dir = ItEnvironment.workDir("executor-loss-" + (singleFile ? "single-file" : "directory"));
    Path gate = Files.createDirectories(dir.resolve("gate"));
    Path outputDir = Files.createDirectories(dir.resolve("output"));
    Path target = outputDir.resolve(singleFile ? "ids.npy" : "ids");

    // The kill costs the victim's task one failure (Spark counts an executor's abnormal exit against its tasks);
    // a second would mean the retry failed too.
    SparkSession spark = SparkSessions.onCluster(cluster, "ExecutorLossDuringWriteTest",
        Map.of("spark.task.maxFailures", "2"));
    ExecutorService driverThread = Executors.newSingleThreadExecutor();
    WriteEvents events = new WriteEvents();
    spark.sparkContext().addSparkListener(events);
    Paused victim;
    Paused survivor;
    try {
      Future<?> write = driverThread.submit(() -> spark.range(0, ROWS, 1, PARTITIONS)
          .mapPartitions(new PauseFirstAttempts(gate.toString(), PAUSE_AFTER), Encoders.LONG())
          .write().format("npy").option("singleFile", singleFile).save(target.toString()));

      List<Paused> paused = awaitPausedOnEveryExecutor(gate, cluster.workerCount(), write);
      victim = paused.get(0);
      survivor = paused.get(1);
      List<Path> staged = stagedFiles(outputDir);
      assertTrue(staged.stream().anyMatch(file -> file.getFileName().toString().startsWith(
          "part-" + victim.partition + "-") && size(file) > 0),
          "the victim's attempt (" + victim + ") has staged rows when its executor is killed: " + staged);

      ProcessHandle executor = cluster.executorProcess(victim.pid);
      assertTrue(executor.destroyForcibly(), "SIGKILL sent to " + victim);
      executor.onExit().get(LIMIT.toMillis(), TimeUnit.MILLISECONDS);
      Files.createFile(gate.resolve(RELEASE));

      write.get(LIMIT.toMillis(), TimeUnit.MILLISECONDS);
    } finally {
      releaseQuietly(gate);
      try {
        events.awaitDelivered(spark.sparkContext());
      } finally {
        spark.stop();
        driverThread.shutdownNow();
      }
    }

    assertTheKillHitTheWrite(events, victim, survivor);
    assertEveryRowOnce(target, singleFile);
    try (Stream<Path> left = Files.list(outputDir)) {
      assertEquals(List.of(target.getFileName().toString()),
          left.map(path -> path.getFileName().toString()).sorted().collect(Collectors.toList()),
          "only the output is left in " + outputDir + ", nothing staged");
    }
  }

  /**
   * The driver lost the victim's executor, failed the victim's task with it, ran the partition again elsewhere, and
   * let the survivor's paused task finish on its first attempt.
   */
  private static void assertTheKillHitTheWrite(WriteEvents events, Paused victim, Paused survivor) {
    List<Attempt> attempts = events.attempts();
    String seen = "task attempts " + attempts + ", executors removed " + events.removedExecutors();
    assertAll(
        () -> assertTrue(events.removedExecutors().contains(victim.executorId),
            "the driver saw executor " + victim.executorId + " go: " + seen),
        () -> assertTrue(attempts.stream().anyMatch(attempt -> attempt.partition == victim.partition
            && attempt.attempt == victim.attempt && !attempt.successful
            && attempt.reason instanceof ExecutorLostFailure lost && lost.execId().equals(victim.executorId)),
            "partition " + victim.partition + " failed with its executor: " + seen),
        () -> assertTrue(attempts.stream().anyMatch(attempt -> attempt.partition == victim.partition
            && attempt.attempt > victim.attempt && attempt.successful
            && !attempt.executorId.equals(victim.executorId)),
            "partition " + victim.partition + " was retried on another executor: " + seen),
        () -> assertTrue(attempts.stream().anyMatch(attempt -> attempt.partition == survivor.partition
            && attempt.attempt == survivor.attempt && attempt.successful
            && attempt.executorId.equals(survivor.executorId)),
            "partition " + survivor.partition + " finished where it paused: " + seen),
        () -> assertTrue(attempts.size() > PARTITIONS, "more attempts than partitions: " + seen),
        () -> {
          for (int partition = 0; partition < PARTITIONS; partition++) {
            int p = partition;
            assertEquals(1, attempts.stream().filter(a -> a.partition == p && a.successful).count(),
                "partition " + p + " succeeded exactly once: " + seen);
          }
        });
  }

  /** NumPy sees {@code arange(ROWS)}: every row exactly once (checked first, sorted), and in partition order. */
  private static void assertEveryRowOnce(Path target, boolean singleFile) {
    String load = singleFile
        ? "a = np.load(" + Python.literal(target) + ", mmap_mode='r')\n"
        : "d = " + Python.literal(target) + "\n"
            + "names = sorted(os.listdir(d))\n"
            + "parts = [n for n in names if n.startswith('part-') and n.endswith('.npy')]\n"
            + "assert names == sorted(parts + ['_SUCCESS']), names\n"
            + "assert len(parts) == " + PARTITIONS + ", parts\n"
            + "a = np.concatenate([np.load(os.path.join(d, n), mmap_mode='r') for n in parts])\n";
    Python.run("import os\n" + load
        + "assert a.dtype == np.dtype('<i8') and a.ndim == 1, (a.dtype, a.shape)\n"
        + "ids, counts = np.unique(a, return_counts=True)\n"
        + "assert (counts == 1).all(), ('rows written more than once', ids[counts > 1][:10])\n"
        + "missing = np.setdiff1d(np.arange(" + ROWS + "), ids)\n"
        + "assert missing.size == 0, ('rows missing', missing.size, missing[:10])\n"
        + "assert a.shape == (" + ROWS + ",), a.shape\n"
        + "assert (a == np.arange(" + ROWS + ")).all(), 'rows out of partition order'\n");
  }

  /** Waits until a first attempt has paused on each of {@code executors} executors; fails if the write ends first. */
  private static List<Paused> awaitPausedOnEveryExecutor(Path gate, int executors, Future<?> write)
      throws Exception {
    long deadline = System.nanoTime() + LIMIT.toNanos();
    while (true) {
      List<Paused> paused = Paused.readAll(gate);
      if (paused.stream().map(p -> p.executorId).distinct().count() >= executors) {
        return paused;
      }
      if (write.isDone()) {
        write.get();
        throw new AssertionError("the write ended before a task paused on every executor: " + paused);
      }
      if (System.nanoTime() > deadline) {
        throw new TimeoutException("no task paused on each of " + executors + " executors within " + LIMIT
            + ": " + paused);
      }
      Thread.sleep(50);
    }
  }

  /** The files the write has staged beside its target (in its hidden staging directory). */
  private static List<Path> stagedFiles(Path outputDir) throws IOException {
    try (Stream<Path> all = Files.walk(outputDir)) {
      return all.filter(Files::isRegularFile).collect(Collectors.toList());
    }
  }

  private static long size(Path file) {
    try {
      return Files.size(file);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void releaseQuietly(Path gate) {
    try {
      Files.createFile(gate.resolve(RELEASE));
    } catch (IOException e) {
      // released already
    }
  }

  /** What a paused first attempt reported: its partition and attempt, and its executor's id and JVM. */
  private record Paused(int partition, int attempt, String executorId, long pid) {
    static List<Paused> readAll(Path gate) throws IOException {
      List<Paused> paused = new ArrayList<>();
      try (Stream<Path> files = Files.list(gate)) {
        for (Path file : (Iterable<Path>) files.filter(f -> f.getFileName().toString().startsWith(PAUSED))::iterator) {
          Properties p = new Properties();
          try (Reader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            p.load(in);
          }
          paused.add(new Paused(Integer.parseInt(p.getProperty("partition")),
              Integer.parseInt(p.getProperty("attempt")), p.getProperty("executorId"),
              Long.parseLong(p.getProperty("pid"))));
        }
      }
      paused.sort(Comparator.comparingInt(Paused::partition));
      return paused;
    }
  }

  /**
   * Runs on the executors: passes the rows through, but a first attempt that starts before the release pauses
   * after {@code pauseAfter} rows, says so with a file in the gate directory, and waits for the release file.
   */
  static final class PauseFirstAttempts implements MapPartitionsFunction<Long, Long> {
    private static final long serialVersionUID = 1L;
    /** Not {@code LIMIT}: the executors need not initialize the test class. */
    private static final long MAX_PAUSE_MILLIS = 180_000;
    private final String gate;
    private final long pauseAfter;

    PauseFirstAttempts(String gate, long pauseAfter) {
      this.gate = gate;
      this.pauseAfter = pauseAfter;
    }

    @Override
    public Iterator<Long> call(Iterator<Long> rows) {
      TaskContext task = TaskContext.get();
      if (task.attemptNumber() > 0) {
        return rows;
      }
      return new Iterator<>() {
        private long passed;

        @Override
        public boolean hasNext() {
          return rows.hasNext();
        }

        @Override
        public Long next() {
          if (passed++ == pauseAfter) {
            pause(task);
          }
          return rows.next();
        }
      };
    }

    private void pause(TaskContext task) {
      Path release = Paths.get(gate, RELEASE);
      if (Files.exists(release)) {
        return;
      }
      Properties said = new Properties();
      said.setProperty("partition", Integer.toString(task.partitionId()));
      said.setProperty("attempt", Integer.toString(task.attemptNumber()));
      said.setProperty("executorId", SparkEnv.get().executorId());
      said.setProperty("pid", Long.toString(ProcessHandle.current().pid()));
      Path file = Paths.get(gate, PAUSED + task.partitionId());
      Path partial = Paths.get(gate, "." + PAUSED + task.partitionId());
      try {
        try (Writer out = Files.newBufferedWriter(partial, StandardCharsets.UTF_8)) {
          said.store(out, null);
        }
        Files.move(partial, file, StandardCopyOption.ATOMIC_MOVE);
        long deadline = System.currentTimeMillis() + MAX_PAUSE_MILLIS;
        while (!Files.exists(release)) {
          if (System.currentTimeMillis() > deadline) {
            throw new IllegalStateException("task " + task.partitionId() + " was never released");
          }
          Thread.sleep(20);
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("task " + task.partitionId() + " interrupted while paused", e);
      }
    }
  }

  /** One task attempt's end as the driver saw it. */
  private record Attempt(int partition, int attempt, String executorId, boolean successful, TaskEndReason reason) {
    @Override
    public String toString() {
      return "p" + partition + "#" + attempt + "@" + executorId + (successful ? " ok" : " " + reason);
    }
  }

  /** What the driver saw of the job: the end of every task attempt, and the executors it lost. */
  private static final class WriteEvents extends SparkListener {
    private final List<Attempt> attempts = new ArrayList<>();
    private final List<String> removedExecutors = new ArrayList<>();

    @Override
    public synchronized void onTaskEnd(SparkListenerTaskEnd end) {
      TaskInfo info = end.taskInfo();
      attempts.add(new Attempt(info.partitionId(), info.attemptNumber(), info.executorId(), info.successful(),
          end.reason()));
    }

    @Override
    public synchronized void onExecutorRemoved(SparkListenerExecutorRemoved removed) {
      removedExecutors.add(removed.executorId());
    }

    /** Returns once the listener bus has delivered every event posted so far. */
    void awaitDelivered(SparkContext context) throws TimeoutException {
      context.listenerBus().waitUntilEmpty();
    }

    synchronized List<Attempt> attempts() {
      return List.copyOf(attempts);
    }

    synchronized List<String> removedExecutors() {
      return List.copyOf(removedExecutors);
    }
  }
}
