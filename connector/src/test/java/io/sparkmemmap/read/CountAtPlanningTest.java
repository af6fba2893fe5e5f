package io.sparkmemmap.read;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkmemmap.Python;
import io.sparkmemmap.SparkTestSession;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerJobStart;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.execution.LocalTableScanExec;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code count(*)}, which the headers answer, runs no Spark job at all: not through {@code df.count()}, nor
 * {@code SELECT count(*)} on a path, nor grouped by {@code _file}, nor with a {@code _row_index} range; the plan is
 * local rows alone, and the counts are NumPy's.
 */
class CountAtPlanningTest {
  @TempDir
  static Path dir;

  private static final JobGroups jobs = new JobGroups();
  /** NumPy's row counts, by file name. */
  private static Map<String, Long> numpyRows;

  @BeforeAll
  static void writeFiles() {
    String out = Python.run(String.join("\n",
        "d = " + Python.literal(dir) + " + '/'",
        "import os",
        "os.mkdir(d + 'parts')",
        "for i, n in enumerate([1000, 0, 7, 2345]):",
        "    np.save(d + 'parts/p%d.npy' % i, np.arange(n * 3, dtype='<f4').reshape(n, 3))",
        "for name in sorted(os.listdir(d + 'parts')):",
        "    print(name, np.load(d + 'parts/' + name, mmap_mode='r').shape[0])",
        ""));
    numpyRows = new TreeMap<>();
    for (String line : out.strip().split("\n")) {
      String[] parts = line.trim().split(" ");
      numpyRows.put(parts[0], Long.parseLong(parts[1]));
    }
    SparkTestSession.get().sparkContext().addSparkListener(jobs);
  }

  @AfterAll
  static void removeListener() {
    SparkTestSession.get().sparkContext().removeSparkListener(jobs);
  }

  @Test
  void countsRunNoJob() throws InterruptedException {
    SparkSession spark = SparkTestSession.get();
    long total = numpyRows.values().stream().mapToLong(Long::longValue).sum();
    Dataset<Row> df = spark.read().format("npy").load(dir.resolve("parts").toString());
    Dataset<Row> sql = spark.sql("SELECT count(*) FROM npy.`" + dir.resolve("parts") + "`");
    Dataset<Row> byFile = df.groupBy("_file").count();
    Dataset<Row> range = df.where("_row_index >= 5 AND _row_index < 1500").selectExpr("count(*)");

    spark.sparkContext().setJobGroup("counts", "count(*) of the parts", false);
    long counted;
    List<Row> sqlRows;
    List<Row> fileRows;
    List<Row> rangeRows;
    try {
      counted = df.count();
      sqlRows = sql.collectAsList();
      fileRows = byFile.collectAsList();
      rangeRows = range.collectAsList();
    } finally {
      spark.sparkContext().clearJobGroup();
    }

    assertEquals(0, jobs.startedIn("counts"), "Spark jobs run for the counts");
    assertEquals(total, counted);
    assertEquals(total, sqlRows.get(0).getLong(0));
    Map<String, Long> perFile = new TreeMap<>();
    for (Row row : fileRows) {
      String file = row.getString(0);
      perFile.put(file.substring(file.lastIndexOf('/') + 1), row.getLong(1));
    }
    Map<String, Long> nonEmpty = new TreeMap<>(numpyRows);
    nonEmpty.values().removeIf(rows -> rows == 0);
    assertEquals(nonEmpty, perFile, "a group per file with rows");
    long inRange = 0; // _row_index counts the rows of each file
    for (long rows : numpyRows.values()) {
      inRange += Math.max(0, Math.min(rows, 1500) - 5);
    }
    assertEquals(inRange, rangeRows.get(0).getLong(0));

    for (Dataset<Row> counts : List.of(sql, byFile, range)) {
      assertInstanceOf(LocalTableScanExec.class, counts.queryExecution().executedPlan(),
          "local rows alone, projected at planning");
    }
  }

  /** The jobs started per job group, counted once the listener bus has delivered all earlier events. */
  private static final class JobGroups extends SparkListener {
    private final List<String> started = new ArrayList<>();

    @Override
    public synchronized void onJobStart(SparkListenerJobStart jobStart) {
      started.add(String.valueOf(jobStart.properties().getProperty("spark.jobGroup.id")));
      notifyAll();
    }

    /** Runs a job of a group of its own and waits for its start: the events of every job before it arrived. */
    synchronized long startedIn(String group) throws InterruptedException {
      SparkSession spark = SparkTestSession.get();
      String sentinel = "sentinel-" + System.nanoTime();
      spark.sparkContext().setJobGroup(sentinel, "waits for the listener bus", false);
      try {
        spark.range(1).collectAsList();
      } finally {
        spark.sparkContext().clearJobGroup();
      }
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (!started.contains(sentinel)) {
        long left = deadline - System.nanoTime();
        assertTrue(left > 0, "the sentinel job's start never arrived");
        TimeUnit.NANOSECONDS.timedWait(this, left);
      }
      return started.stream().filter(group::equals).count();
    }
  }
}
