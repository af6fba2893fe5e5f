package io.sparkmemmap.benchmarks;

import io.sparkmemmap.it.harness.S3Server;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerJobEnd;
import org.apache.spark.scheduler.SparkListenerJobStart;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * Planning over many small {@code .npy} objects on a real S3 server on 127.0.0.1 (S3Proxy over its filesystem
 * backend, {@link S3Server}) through S3A, on {@code local[2]}: {@code bench.s3Objects} objects in one directory, then
 * ten times as many in {@value #DIRECTORIES} directories read through a glob. S3Proxy's filesystem backend reads
 * the metadata of every object under a prefix for each page of 1 000 keys it lists, so a listing of one directory
 * costs the square of its objects (10 000: 7 s, 100 000: over 10 minutes, measured); a directory of a tenth as
 * many objects lists as fast as any store would. Each case runs in a fresh session with a new S3A client, and is
 * set against the S3A listing of the same objects alone; the Spark job that reads the headers is timed apart from a
 * listener, and the requests of {@code load()} and of the actions on the loaded DataFrame are counted.
 */
final class S3PlanningBenchmark implements BenchmarkSuite {
  static final String LISTING = "S3A listing alone: listStatus of the directory";
  static final String PARQUET_SCHEMA = "Parquet: load() + schema";
  static final String NPY_SCHEMA = "npy: load() + schema";
  static final String NPY_COUNT = "npy: load() + count(), headers by a Spark job";
  static final String NPY_COUNT_ON_DRIVER = "npy: load() + count(), headers on the driver";
  /** How many times as many objects the second size has. */
  static final int SCALE = 10;
  /** The directories the second size's objects are in. */
  static final int DIRECTORIES = 100;

  @Override
  public Report run(BenchmarkConfig config) throws Exception {
    Report report = new Report(name());
    S3ReadBenchmark.onS3Server(config.dataDir().resolve("s3-planning"),
        (s3, spark, local) -> run(config, report, s3, spark, local));
    return report;
  }

  private static void run(BenchmarkConfig config, Report report, S3Server s3, SparkSession spark, Path local)
      throws Exception {
    Path npy = BenchmarkData.writeNpy(local.resolve("small.npy"), S3ReadBenchmark.SMALL_ROWS).file();
    Path parquetDir = local.resolve("small.parquet");
    BenchmarkData.writeParquetColumns(spark, npy, parquetDir);
    Path parquet = S3ReadBenchmark.parquetParts(parquetDir).get(0);
    report.context("S3 server: S3Proxy 2.6.0, filesystem backend, on 127.0.0.1 in a JVM of its own ("
            + s3.endpoint() + ")")
        .context("Spark master: local[2], Spark's default settings, S3A's defaults but for the settings S3Proxy "
            + "needs; every case runs in a fresh session (spark.newSession()) with a new S3A client (the last one "
            + "closed before it, untimed), whose analytics stream holds nothing yet")
        .context("Objects: copies of one .npy of " + S3ReadBenchmark.SMALL_ROWS + " rows of 16 float32 (and of the "
            + "same rows as one Parquet file), each uploaded once through S3A, then copied with its extended "
            + "attributes inside the backend's directory of the bucket (an object is a file there)");
    HeaderJobTimes jobTimes = new HeaderJobTimes();
    spark.sparkContext().addSparkListener(jobTimes);
    Benchmark.Step newClient = () -> S3Traffic.client(spark, s3.url("")).close();
    for (int objects : sizes(config.s3Objects())) {
      boolean first = objects == config.s3Objects();
      long start = System.nanoTime();
      String npyDir = "many-" + objects + "/npy/";
      String parquetPrefix = "many-" + objects + "/parquet/";
      String npyUrl;
      if (first) {
        S3ReadBenchmark.copies(s3, npy, npyDir, ".npy", objects);
        S3ReadBenchmark.copies(s3, parquet, parquetPrefix, ".parquet", objects);
        npyUrl = s3.url(npyDir);
      } else {
        for (int d = 0; d < DIRECTORIES; d++) {
          S3ReadBenchmark.copies(s3, npy, npyDir + String.format(Locale.ROOT, "d%03d/", d), ".npy",
              objects / DIRECTORIES);
        }
        npyUrl = s3.url(npyDir + "d*");
      }
      double copySeconds = (System.nanoTime() - start) / 1e9;
      String parquetUrl = s3.url(parquetPrefix);
      long rows = (long) objects * S3ReadBenchmark.SMALL_ROWS;
      String threshold = Integer.toString(objects);
      Benchmark planning = new Benchmark("planning over " + objects + " objects of " + S3ReadBenchmark.SMALL_ROWS
          + " rows, " + (first ? "one directory, " : DIRECTORIES + " directories read through a glob (" + npyUrl
          + "), ") + "objects made in " + String.format(Locale.ROOT, "%.1f", copySeconds) + " s")
          .answersNotCompared()
          .addCase(LISTING, null, newClient, () -> list(spark, npyUrl));
      if (first) {
        planning.addCase(PARQUET_SCHEMA, null, newClient,
            () -> fieldNames(spark.newSession().read().parquet(parquetUrl)));
      }
      planning.addCase(NPY_SCHEMA, null, newClient, () -> fieldNames(npy(spark.newSession(), npyUrl)))
          .addCase(NPY_COUNT, null, () -> {
            newClient.run();
            jobTimes.reset();
          }, () -> requireCount(npy(spark.newSession(), npyUrl).count(), rows));
      if (first) {
        planning.addCase(NPY_COUNT_ON_DRIVER, null, newClient, () -> requireCount(
            npy(spark.newSession(), npyUrl, threshold).count(), rows));
      }
      // the JIT and the server are warm after the first size
      Benchmark.Result result = planning.run(new Benchmark.Warmup(first ? Math.min(1, config.warmup().runs()) : 0,
          0), Math.min(3, config.iterations()));
      report.add(result);
      spark.sparkContext().listenerBus().waitUntilEmpty();
      report.add(jobTimes.describe() + requests(spark, s3, npyUrl, rows), java.util.Map.of());
    }
  }

  /** The objects planned over: {@code objects}, then {@link #SCALE} times as many in {@link #DIRECTORIES}. */
  static int[] sizes(int objects) {
    return new int[] {objects, Math.max(1, objects * SCALE / DIRECTORIES) * DIRECTORIES};
  }

  /**
   * The requests of {@code load()} alone and of an action on the loaded DataFrame after it, each with a new S3A
   * client: whether every header is read once, and when.
   */
  private static String requests(SparkSession spark, S3Server s3, String url, long rows) throws IOException {
    S3Traffic.client(spark, s3.url("")).close();
    S3Traffic before = S3Traffic.of(spark, s3.url(""), s3.pid());
    Dataset<Row> df = npy(spark.newSession(), url);
    S3Traffic loaded = S3Traffic.of(spark, s3.url(""), s3.pid());
    requireCount(df.count(), rows);
    requireCount(df.count(), rows);
    S3Traffic counted = S3Traffic.of(spark, s3.url(""), s3.pid());
    S3Traffic load = loaded.since(before);
    S3Traffic actions = counted.since(loaded);
    return String.format(Locale.ROOT, "  requests (S3A's statistics): load() opened %d streams (GETs), sent %d "
        + "HEADs and %d LISTs; two count()s of the loaded DataFrame then opened %d streams and sent %d HEADs and "
        + "%d LISTs%n", load.streamsOpened(), load.heads(), load.lists(), actions.streamsOpened(), actions.heads(),
        actions.lists());
  }

  /** The objects of a directory, or of the directories a glob matches, listed as the connector lists them. */
  private static Object list(SparkSession spark, String url) throws IOException {
    FileSystem fs = S3Traffic.client(spark, url);
    org.apache.hadoop.fs.Path path = new org.apache.hadoop.fs.Path(url);
    if (!url.contains("*")) {
      return fs.listStatus(path).length;
    }
    int objects = 0;
    for (FileStatus dir : fs.globStatus(path)) {
      objects += fs.listStatus(dir.getPath()).length;
    }
    return objects;
  }

  private static Dataset<Row> npy(SparkSession session, String url) {
    return session.read().format("npy").option("layout", "columns").load(url);
  }

  private static Dataset<Row> npy(SparkSession session, String url, String headerJobThreshold) {
    return session.read().format("npy").option("layout", "columns").option("headerJobThreshold", headerJobThreshold)
        .load(url);
  }

  private static List<String> fieldNames(Dataset<Row> df) {
    return List.of(df.schema().fieldNames());
  }

  private static long requireCount(long count, long expected) {
    if (count != expected) {
      throw new IllegalStateException("counted " + count + " rows, not " + expected);
    }
    return count;
  }

  /** The wall time of the last job that read headers, and its tasks' run time. */
  private static final class HeaderJobTimes extends SparkListener {
    private final AtomicLong started = new AtomicLong();
    private final AtomicLong ended = new AtomicLong();
    private final AtomicLong headerJob = new AtomicLong(-1);
    private final AtomicLong tasks = new AtomicLong();
    private final AtomicLong taskMillis = new AtomicLong();

    @Override
    public void onJobStart(SparkListenerJobStart jobStart) {
      String description = jobStart.properties().getProperty("spark.job.description");
      if (description != null && description.startsWith("spark-memmap: reading the headers of ")) {
        headerJob.set(jobStart.jobId());
        started.set(jobStart.time());
      }
    }

    @Override
    public void onJobEnd(SparkListenerJobEnd jobEnd) {
      if (jobEnd.jobId() == headerJob.get()) {
        ended.set(jobEnd.time());
      }
    }

    @Override
    public void onTaskEnd(SparkListenerTaskEnd taskEnd) {
      if (taskEnd.taskInfo() != null && taskEnd.taskMetrics() != null) {
        tasks.incrementAndGet();
        taskMillis.addAndGet(taskEnd.taskMetrics().executorRunTime());
      }
    }

    void reset() {
      headerJob.set(-1);
      started.set(0);
      ended.set(0);
      tasks.set(0);
      taskMillis.set(0);
    }

    String describe() {
      if (headerJob.get() < 0) {
        return "  no header job in the last '" + NPY_COUNT + "': below the threshold, the driver read the headers\n";
      }
      return String.format(Locale.ROOT, "  the header job of the last '%s': %d ms from its start to its end, %d "
          + "tasks, %d ms of task run time in all%n", NPY_COUNT, ended.get() - started.get(), tasks.get(),
          taskMillis.get());
    }
  }
}
