package io.sparkmemmap.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkmemmap.Python;
import io.sparkmemmap.QueryPlans;
import io.sparkmemmap.it.harness.ItEnvironment;
import io.sparkmemmap.it.harness.S3Server;
import io.sparkmemmap.it.harness.S3ServerExtension;
import io.sparkmemmap.it.harness.SparkSessions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.apache.spark.sql.DataFrameReader;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerJobStart;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Arrays NumPy made, uploaded to a real S3 server (S3Proxy on 127.0.0.1) and read through S3A: every read form
 * gives what the same files give on local disk, and NumPy's own sums.
 */
@ExtendWith(S3ServerExtension.class)
class S3ReadTest {
  /** Small arrays in directory {@code many}: past Spark's parallel discovery threshold (32). */
  private static final int MANY_FILES = 120;
  private static final String MAKE_ARRAYS = String.join("\n",
      "import os",
      "rng = np.random.default_rng(17)",
      "np.save(os.path.join(d, 'emb.npy'), rng.standard_normal((262_144, 8), dtype='<f4'))",
      "os.makedirs(os.path.join(d, 'parts'))",
      "t = np.dtype([('id', '<i8'), ('x', '<f8')])",
      "start = 0",
      "for i, n in enumerate([70_000, 1, 130_000]):",
      "    p = np.zeros(n, t); p['id'] = np.arange(start, start + n); p['x'] = np.sqrt(p['id']); start += n",
      "    np.save(os.path.join(d, 'parts', 'p%d.npy' % i), p)",
      "np.savez(os.path.join(d, 'stored.npz'), a=np.arange(30_000, dtype='<i4').reshape(-1, 3), b=np.ones(7))",
      "np.savez_compressed(os.path.join(d, 'deflated.npz'), a=np.arange(50_000, dtype='>i8') % 977)",
      "raw = np.memmap(os.path.join(d, 'raw.dat'), dtype='<f8', mode='w+', shape=(4 + 40_000 * 4,))",
      "raw[:4] = -1; raw[4:] = np.arange(40_000 * 4) / 3; raw.flush()",
      "os.makedirs(os.path.join(d, 'many'))",
      "for i in range(" + MANY_FILES + "):",
      "    np.save(os.path.join(d, 'many', 'f%03d.npy' % i), np.arange(i * 1000, i * 1000 + 5 + i % 7, dtype='<i8'))",
      "os.makedirs(os.path.join(d, 'bad'))",
      "for i in range(20):",
      "    np.save(os.path.join(d, 'bad', 'g%02d.npy' % i), np.arange(i, dtype='<i8'))",
      "np.save(os.path.join(d, 'bad', 'short.npy'), np.arange(100, dtype='<i8'))",
      "os.truncate(os.path.join(d, 'bad', 'short.npy'), 128 + 99 * 8)",
      "with open(os.path.join(d, 'bad', 'garbage.npy'), 'wb') as f: f.write(b'not an array')",
      "");


  private static SparkSession spark;
  private static Path local;

  @BeforeAll
  static void setUp(S3Server s3) throws IOException {
    Map<String, String> conf = new java.util.TreeMap<>(s3.sparkConf());
    // The scan's metrics are read from the executed plan, which adaptive execution would wrap in query stages.
    conf.put("spark.sql.adaptive.enabled", "false");
    spark = SparkSessions.local("S3ReadTest", conf);
    local = ItEnvironment.workDir("s3-read-arrays");
    Python.run("d = " + Python.literal(local) + "\n" + MAKE_ARRAYS);
    uploadAll(s3, local, "in/");
  }

  /** Uploads the files under {@code dir} below {@code prefix}, several at a time. */
  private static void uploadAll(S3Server s3, Path dir, String prefix) throws IOException {
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try (Stream<Path> files = Files.walk(dir)) {
      List<Future<Void>> uploads = new ArrayList<>();
      for (Path file : files.filter(Files::isRegularFile).toList()) {
        uploads.add(pool.submit(() -> {
          s3.upload(file, prefix + dir.relativize(file));
          return null;
        }));
      }
      for (Future<Void> upload : uploads) {
        upload.get();
      }
    } catch (InterruptedException | ExecutionException e) {
      throw new IOException("upload to " + s3, e);
    } finally {
      pool.shutdownNow();
    }
  }

  @AfterAll
  static void stopSpark() {
    if (spark != null) {
      spark.stop();
    }
  }

  /** Each read form, as {format, path under in/, options}. */
  private static final List<Object[]> FORMS = List.of(
      new Object[] {"npy", "emb.npy", Map.of("maxPartitionBytes", "1048576")},
      new Object[] {"npy", "emb.npy", Map.of("layout", "columns")},
      new Object[] {"npy", "parts/", Map.of()},
      new Object[] {"npy", "parts/p[02].npy", Map.of()},
      new Object[] {"npy", "stored.npz", Map.of("array", "a")},
      new Object[] {"npy", "deflated.npz", Map.of()},
      new Object[] {"memmap", "raw.dat", Map.of("dtype", "<f8", "shape", "-1,4", "offset", "32")});

  @Test
  void everyReadFormEqualsTheLocalRead(S3Server s3) {
    for (Object[] form : FORMS) {
      String format = (String) form[0];
      String path = (String) form[1];
      @SuppressWarnings("unchecked")
      Map<String, String> options = (Map<String, String>) form[2];
      String what = format + " " + path + " " + options;
      Dataset<Row> fromS3 = read(format, options).load(s3.url("in/" + path));
      Dataset<Row> fromDisk = read(format, options).load(local.resolve(path).toString());
      assertEquals(fromDisk.schema(), fromS3.schema(), "schema of " + what);
      Row expected = fingerprint(fromDisk);
      assertTrue(expected.getLong(0) > 0, "rows in " + what);
      assertEquals(expected, fingerprint(fromS3), "rows of " + what + " (count, sum of row hashes)");
    }
  }

  /**
   * The count of rows and the sum of their hashes (with the row index and the file's name): equal for two reads that
   * give the same rows, in any order, and in one job per read.
   */
  private static Row fingerprint(Dataset<Row> df) {
    return df.selectExpr("*", "_row_index", "regexp_extract(_file, '[^/]*$', 0) AS name")
        .selectExpr("count(*)", "sum(CAST(xxhash64(*) AS DECIMAL(20, 0)))").first();
  }

  @Test
  void rowIndexRangeSumsAsNumpy(S3Server s3) {
    double[] expected = Stream.of(Python.run("a = np.load(" + Python.literal(local.resolve("emb.npy")) + ")\n"
        + "print(' '.join(repr(float(v)) for v in a[100_000:100_500].astype('f8').sum(axis=0)))\n").trim().split(" "))
        .mapToDouble(Double::parseDouble).toArray();
    Row sums = spark.read().format("npy").option("layout", "columns").load(s3.url("in/emb.npy"))
        .where("_row_index >= 100000 AND _row_index < 100500")
        .selectExpr("sum(CAST(c0 AS DOUBLE))", "sum(CAST(c3 AS DOUBLE))", "sum(CAST(c7 AS DOUBLE))", "count(*)")
        .first();
    assertEquals(expected[0], sums.getDouble(0), 1e-9, "sum of c0");
    assertEquals(expected[3], sums.getDouble(1), 1e-9, "sum of c3");
    assertEquals(expected[7], sums.getDouble(2), 1e-9, "sum of c7");
    assertEquals(500L, sums.getLong(3));
  }

  /**
   * A task fetches its own rows in one ranged request per window of up to 64 MiB, nothing else: not the object, not
   * the header, not a request per batch. A range reads its rows plus at most S3A's readahead (64 KiB) per task; a
   * full read reads the data exactly, one request per task.
   */
  @Test
  void tasksFetchOnlyTheirOwnBytes(S3Server s3) {
    long rowBytes = 8 * 4;
    String file = s3.url("in/emb.npy");
    long partitionBytes = 1 << 20;

    Dataset<Row> range = spark.read().format("npy").option("layout", "columns")
        .option("maxPartitionBytes", Long.toString(partitionBytes)).load(file)
        .where("_row_index >= 50000 AND _row_index < 150000").selectExpr("c0", "c5");
    long rangeRows = range.count();
    assertEquals(100_000, rangeRows);
    // The range's bytes lie in 4 partitions of 1 MiB: (50000 * 32 - 128) / 2^20 .. (150000 * 32) / 2^20
    Dataset<Row> collected = range.selectExpr("sum(c0)", "sum(c5)");
    collected.collect();
    long needed = 100_000 * rowBytes;
    long fetched = QueryPlans.metric(collected, "bytesFetched");
    long requests = QueryPlans.metric(collected, "fetchRequests");
    long tasks = range.rdd().getNumPartitions();
    assertTrue(fetched >= needed && fetched <= needed + tasks * (64 << 10),
        "fetched " + fetched + " bytes for " + needed + " bytes of rows in " + tasks + " tasks");
    assertTrue(requests >= 1 && requests <= tasks, requests + " requests for " + tasks + " tasks");
    assertTrue(rangeRows / 4096 > tasks, "more batches than requests: the test would not see a request per batch");

    Dataset<Row> wholeFile = spark.read().format("npy").option("maxPartitionBytes", Long.toString(partitionBytes))
        .load(file);
    Dataset<Row> whole = wholeFile.selectExpr("count(value[3])");
    whole.collect();
    long dataBytes = 262_144 * rowBytes;
    long wholeTasks = wholeFile.rdd().getNumPartitions();
    assertEquals(dataBytes / partitionBytes, wholeTasks, "tasks of a full read");
    assertEquals(dataBytes, QueryPlans.metric(whole, "bytesFetched"), "bytes fetched by a full read");
    assertEquals(wholeTasks, QueryPlans.metric(whole, "fetchRequests"), "requests of a full read, one per task");
  }

  /**
   * Planning reads each header with one ranged GET (the magic and the header from one read at the start), and
   * {@code count()} is answered from the headers: no other GET.
   */
  @Test
  void planningReadsEachHeaderWithOneRequest(S3Server s3) throws IOException {
    // files no read has planned before
    for (int i = 0; i < 3; i++) {
      s3.upload(local.resolve("parts").resolve("p" + i + ".npy"), "planning/p" + i + ".npy");
    }
    long before = getRequests(s3);
    assertEquals(200_001, spark.read().format("npy").load(s3.url("planning/")).count());
    assertEquals(3, getRequests(s3) - before, "GET requests to plan and count a directory of three .npy files");
  }

  /**
   * {@code load()} reads the first object's header alone, for the schema; the first action plans the scan, for which,
   * past the threshold of files (Spark's parallel discovery threshold, 32, by default), one Spark job reads the
   * other headers, each with one GET and no HEAD, once for every query over the DataFrame; below it (option
   * headerJobThreshold) the driver reads them, by no job. Both read what the local files and NumPy give.
   */
  @Test
  void manyObjectsArePlannedByOneJob(S3Server s3) throws Exception {
    String[] numpy = Python.run("import glob\nfiles = sorted(glob.glob(" + Python.literal(local.resolve("many"))
        + " + '/*.npy'))\nprint(len(files), sum(int(np.load(f).sum()) for f in files), sum(len(np.load(f)) for f in files))\n")
        .trim().split(" ");
    assertEquals(MANY_FILES, Integer.parseInt(numpy[0]), "files NumPy made");
    Row expected = fingerprint(spark.read().format("npy").load(local.resolve("many").toString()));
    HeaderJobs jobs = new HeaderJobs();
    spark.sparkContext().addSparkListener(jobs);
    try {
      Map<String, Long> before = storeCounters(s3);
      Dataset<Row> byJob = spark.read().format("npy").load(s3.url("in/many/"));
      Map<String, Long> loaded = storeCounters(s3);
      assertEquals(0, jobs.count(), "jobs that read headers at load()");
      assertEquals(1, loaded.get("action_http_get_request") - before.get("action_http_get_request"),
          "GET requests of load(): the first object's header, for the schema");
      assertEquals(Long.parseLong(numpy[2]), byJob.count(), "rows counted from the headers");
      Map<String, Long> counted = storeCounters(s3);
      assertEquals(1, jobs.count(), "jobs that read the headers of " + MANY_FILES + " objects");
      assertEquals(MANY_FILES - 1, counted.get("action_http_get_request") - loaded.get("action_http_get_request"),
          "GET requests to plan count(): one per header but the first's");
      assertTrue(counted.get("action_http_head_request") - before.get("action_http_head_request") <= 2,
          "HEAD requests to plan: the directory's alone, none per object: " + counted);
      assertEquals(expected, fingerprint(byJob), "rows planned by a job");
      Row sums = byJob.selectExpr("sum(value)", "count(*)").first();
      assertEquals(Long.parseLong(numpy[1]), sums.getLong(0), "sum of the values");
      assertEquals(Long.parseLong(numpy[2]), sums.getLong(1), "rows");
      assertEquals(1, jobs.count(), "jobs that read headers, after three more queries over the DataFrame");

      Dataset<Row> onDriver = spark.read().format("npy").option("headerJobThreshold", Integer.toString(MANY_FILES))
          .load(s3.url("in/many/"));
      assertEquals(expected, fingerprint(onDriver), "rows planned on the driver");
      assertEquals(1, jobs.count(), "jobs that read headers, after a read below the threshold");
    } finally {
      spark.sparkContext().removeSparkListener(jobs);
    }
  }

  /**
   * A bad header among many (22 objects, past a threshold lowered to 10) fails the first action by a job as it fails
   * on the driver: the same error, naming the first bad object in read order.
   */
  @Test
  void aBadHeaderAmongManyFailsNamingItsObject(S3Server s3) throws Exception {
    String[] paths = {s3.url("in/bad/g0?.npy"), s3.url("in/bad/short.npy"), s3.url("in/bad/g1?.npy"),
        s3.url("in/bad/garbage.npy")};
    HeaderJobs jobs = new HeaderJobs();
    spark.sparkContext().addSparkListener(jobs);
    try {
      Exception byJob = assertThrows(Exception.class,
          () -> spark.read().format("npy").option("headerJobThreshold", "10").load(paths).count());
      assertEquals(1, jobs.count(), "jobs that read the headers");
      Exception onDriver = assertThrows(Exception.class,
          () -> spark.read().format("npy").option("headerJobThreshold", "1000").load(paths).count());
      assertEquals(1, jobs.count(), "jobs that read headers, after a read below the threshold");
      assertTrue(byJob.getMessage().contains(s3.url("in/bad/short.npy"))
          && byJob.getMessage().contains("the data is shorter than the header says"), byJob.toString());
      assertEquals(onDriver.getClass(), byJob.getClass());
      assertEquals(onDriver.getMessage(), byJob.getMessage());
    } finally {
      spark.sparkContext().removeSparkListener(jobs);
    }
  }

  /** The jobs that read headers, counted once the listener bus delivered every event so far. */
  private static final class HeaderJobs extends SparkListener {
    private final AtomicInteger started = new AtomicInteger();

    @Override
    public void onJobStart(SparkListenerJobStart jobStart) {
      String description = jobStart.properties().getProperty("spark.job.description");
      if (description != null && description.startsWith("spark-memmap: reading the headers of ")) {
        started.incrementAndGet();
      }
    }

    int count() throws java.util.concurrent.TimeoutException {
      spark.sparkContext().listenerBus().waitUntilEmpty();
      return started.get();
    }
  }

  /** The counters of Spark's S3A client: requests of each kind made so far. */
  private static Map<String, Long> storeCounters(S3Server s3) throws IOException {
    org.apache.hadoop.fs.FileSystem fs = org.apache.hadoop.fs.FileSystem.get(java.net.URI.create(s3.url("")),
        spark.sessionState().newHadoopConf());
    return new java.util.TreeMap<>(org.apache.hadoop.fs.statistics.IOStatisticsSupport.retrieveIOStatistics(fs)
        .counters());
  }

  /**
   * GET requests Spark's S3A client opened so far, as its streams count them (one cached client serves the driver
   * and the local executors; a stream adds its counts to the client's when it closes).
   */
  private static long getRequests(S3Server s3) throws IOException {
    org.apache.hadoop.fs.FileSystem fs = org.apache.hadoop.fs.FileSystem.get(java.net.URI.create(s3.url("")),
        spark.sessionState().newHadoopConf());
    Map<String, Long> counters = org.apache.hadoop.fs.statistics.IOStatisticsSupport.retrieveIOStatistics(fs)
        .counters();
    Long gets = counters.get("stream_read_opened");
    assertTrue(gets != null, "S3A counts the GETs its streams open: " + counters);
    return gets;
  }

  private static DataFrameReader read(String format, Map<String, String> options) {
    return spark.read().format(format).options(options);
  }
}
