package io.sparkmemmap.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkmemmap.Python;
import io.sparkmemmap.it.harness.ItEnvironment;
import io.sparkmemmap.it.harness.S3Server;
import io.sparkmemmap.it.harness.S3ServerExtension;
import io.sparkmemmap.it.harness.SparkSessions;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.fs.FileStatus;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Writes to a real S3 server (S3Proxy on 127.0.0.1) through S3A: directories of parts published without rename
 * (each task's part a multipart upload that job commit completes), every save mode, single files, and failed jobs
 * that leave no object and no pending upload. NumPy checks what is downloaded.
 */
@ExtendWith(S3ServerExtension.class)
class S3WriteTest {
  private static SparkSession spark;
  private static Path local;

  @BeforeAll
  static void setUp(S3Server s3) {
    spark = SparkSessions.local("S3WriteTest", s3.sparkConf());
    spark.sparkContext().addSparkListener(TASKS);
    local = ItEnvironment.workDir("s3-write");
  }

  @AfterAll
  static void stopSpark() {
    if (spark != null) {
      spark.stop();
    }
  }

  /** Rows {@code [from, to)} as {@code (id int64, x float64 = id / 4)} in {@code partitions} partitions. */
  private static Dataset<Row> rows(long from, long to, int partitions) {
    return spark.range(from, to, 1, partitions).selectExpr("id", "CAST(id AS DOUBLE) / 4 AS x");
  }

  @Test
  void directoryPartsAppearAtCommitWithoutRename(S3Server s3) throws Exception {
    String key = "dir/ids";
    long copiesBefore = serverSideCopies(s3);
    rows(0, 300_000, 3).write().format("npy").save(s3.url(key));

    List<String> names = objectNames(s3, key);
    assertEquals(4, names.size(), "three parts and _SUCCESS: " + names);
    assertTrue(names.contains("_SUCCESS"), names.toString());
    assertTrue(names.stream().filter(n -> !n.equals("_SUCCESS")).allMatch(n -> n.matches("part-0000[0-2]-.*\\.npy")),
        names.toString());
    assertEquals(List.of(), s3.pendingUploads(), "uploads left pending");
    assertEquals(copiesBefore, serverSideCopies(s3), "server-side copies (S3A renames by copying)");
    assertOnlyObjects(s3, "dir/", names.stream().map(n -> "dir/ids/" + n).toList());
    assertNumpyReads(s3, key, 0, 300_000);
  }

  @Test
  void everySaveMode(S3Server s3) throws Exception {
    String key = "modes/ids";
    rows(0, 1000, 2).write().format("npy").save(s3.url(key));

    Exception exists = assertThrows(Exception.class,
        () -> rows(5000, 6000, 2).write().format("npy").save(s3.url(key)));
    assertTrue(String.valueOf(exists.getMessage()).contains("already exists"), exists.toString());
    rows(5000, 6000, 2).write().format("npy").mode("ignore").save(s3.url(key));
    assertNumpyReads(s3, key, 0, 1000);

    rows(1000, 2500, 3).write().format("npy").mode("append").save(s3.url(key));
    assertNumpyReads(s3, key, 0, 2500);
    List<String> appended = objectNames(s3, key);
    assertEquals(6, appended.size(), "two parts, three appended and _SUCCESS: " + appended);
    assertTrue(appended.stream().anyMatch(n -> n.startsWith("part-00004-")), "appended parts numbered after: "
        + appended);

    rows(7, 20, 1).write().format("npy").mode("overwrite").save(s3.url(key));
    assertNumpyReads(s3, key, 7, 20);
    assertEquals(2, objectNames(s3, key).size(), "one part and _SUCCESS: " + objectNames(s3, key));

    rows(0, 0, 1).write().format("npy").mode("overwrite").save(s3.url(key));
    assertNumpyReads(s3, key, 0, 0);
    assertEquals(List.of(), s3.pendingUploads(), "uploads left pending");
  }

  @Test
  void singleFileEveryMode(S3Server s3) throws Exception {
    String key = "single/ids.npy";
    rows(0, 50_000, 3).write().format("npy").option("singleFile", "true").save(s3.url(key));
    assertNumpyReads(s3, key, 0, 50_000);
    rows(50_000, 70_000, 2).write().format("npy").mode("append").save(s3.url(key));
    assertNumpyReads(s3, key, 0, 70_000);
    rows(3, 9, 2).write().format("npy").option("singleFile", "true").mode("overwrite").save(s3.url(key));
    assertNumpyReads(s3, key, 3, 9);
    assertOnlyObjects(s3, "single/", List.of(key));
    assertEquals(List.of(), s3.pendingUploads(), "uploads left pending");
  }

  /**
   * A task that fails after other tasks uploaded their parts fails the job: no object appears, the old output of an
   * overwrite is untouched, and no upload is left pending.
   */
  @Test
  void failedJobLeavesNoObjectAndNoPendingUpload(S3Server s3) throws Exception {
    Dataset<Row> failing = rows(0, 400_000, 4)
        .selectExpr("id", "IF(id = 399999, raise_error('the last row fails'), x) AS x");

    Exception failed = assertThrows(Exception.class, () -> failing.write().format("npy").save(s3.url("failed/ids")));
    assertTrue(String.valueOf(failed.getMessage()).contains("the last row fails"), failed.toString());
    assertOnlyObjects(s3, "failed/", List.of());
    assertEquals(List.of(), s3.pendingUploads(), "uploads left pending");

    rows(0, 10, 1).write().format("npy").save(s3.url("failed/kept"));
    List<String> kept = objectNames(s3, "failed/kept");
    assertThrows(Exception.class, () -> failing.write().format("npy").mode("overwrite").save(s3.url("failed/kept")));
    assertEquals(kept, objectNames(s3, "failed/kept"), "the output an overwrite that failed would have replaced");
    assertNumpyReads(s3, "failed/kept", 0, 10);
    assertEquals(List.of(), s3.pendingUploads(), "uploads left pending");

    assertThrows(Exception.class,
        () -> failing.write().format("npy").option("singleFile", "true").save(s3.url("failed/single.npy")));
    awaitTasksEnded();
    assertOnlyObjects(s3, "failed/", kept.stream().map(n -> "failed/kept/" + n).toList());
    assertEquals(List.of(), s3.pendingUploads(), "uploads left pending");
  }

  /** S3's least part, which every part but the last must reach. */
  private static final long MIN_PART = 5L << 20;
  /** Rows of {@code (id int64, x float64)}, 16 bytes, in {@link #MIN_PART}. */
  private static final long MIN_ROWS = MIN_PART / 16;

  /**
   * A single file whose tasks upload their rows as parts of one multipart upload that job commit completes: the
   * driver reads only the first task's 5 MiB head (to upload it behind the header), not the 60 MiB of rows; no
   * copy, no staging left, nothing pending.
   */
  @Test
  void singleFileTasksUploadTheirOwnParts(S3Server s3) throws Exception {
    String key = "one/ids.npy";
    long rows = 3 * 4 * MIN_ROWS; // 20 MiB a task: a head and three more parts of 5 MiB each
    long copiesBefore = serverSideCopies(s3);
    long driverRead = driverBytesRead(() -> rows(0, rows, 3).write().format("npy").option("singleFile", "true")
        .option("fs.s3a.multipart.size", "5M").save(s3.url(key)));

    assertTrue(driverRead >= MIN_PART && driverRead < MIN_PART + (64 << 10),
        "the driver read " + driverRead + " bytes, not the first task's head of " + MIN_PART + " bytes alone");
    assertEquals(copiesBefore, serverSideCopies(s3), "server-side copies");
    assertOnlyObjects(s3, "one/", List.of(key));
    assertNumpyReads(s3, key, 0, rows);
  }

  /**
   * Partitions empty, tiny and at the edges of S3's least part: every part but the last holds at least 5 MiB (S3A
   * refuses to put one that does not), and the driver reads exactly the rows of the partitions under 5 MiB and the
   * heads of the partitions after them.
   */
  @Test
  void singleFileOfTinyEmptyAndEdgePartitions(S3Server s3) throws Exception {
    long[] sizes = {0, 10, MIN_ROWS - 1, 1, MIN_ROWS, 2 * MIN_ROWS - 1, 7, 0, 2 * MIN_ROWS, 3};
    List<long[]> ranges = new ArrayList<>();
    long from = 0;
    for (long size : sizes) {
      ranges.add(new long[] {from, from + size});
      from += size;
    }
    // one range per partition: parallelize gives each of n elements a slice of its own
    org.apache.spark.api.java.JavaRDD<Row> ids = new org.apache.spark.api.java.JavaSparkContext(spark.sparkContext())
        .parallelize(ranges, ranges.size())
        .flatMap(r -> java.util.stream.LongStream.range(r[0], r[1]).mapToObj(id -> (Row) RowFactory.create(id))
            .iterator());
    Dataset<Row> all = spark.createDataFrame(ids, new StructType().add("id", DataTypes.LongType, false))
        .selectExpr("id", "CAST(id AS DOUBLE) / 4 AS x");
    assertEquals(sizes.length, all.rdd().getNumPartitions());
    assertEquals(java.util.Arrays.stream(sizes).boxed().toList(), all.rdd().toJavaRDD().mapPartitions(rows -> {
      long n = 0;
      for (; rows.hasNext(); rows.next()) {
        n++;
      }
      return List.of(n).iterator();
    }).collect(), "rows of each partition");
    String key = "edges/ids.npy";
    long driverRead = driverBytesRead(() -> all.write().format("npy").option("singleFile", "true").save(s3.url(key)));

    // pending after the header: 10 rows, MIN_ROWS - 1 rows (now at least 5 MiB: a part), 1 row, then joined to
    // the head of MIN_ROWS rows; 2 * MIN_ROWS - 1 rows taken as uploaded; 7 rows joined to the 5 MiB head of the
    // 2 * MIN_ROWS rows; 3 rows, the last part
    long expected = 16 * (10 + (MIN_ROWS - 1) + 1 + MIN_ROWS + 7 + MIN_ROWS + 3);
    assertTrue(driverRead >= expected && driverRead < expected + (64 << 10),
        "the driver read " + driverRead + " bytes, not the " + expected + " of the small partitions and heads");
    assertOnlyObjects(s3, "edges/", List.of(key));
    assertNumpyReads(s3, key, 0, from);
  }

  /**
   * A failed single-file job whose tasks uploaded parts of its upload, and a failed overwrite of that file: once
   * every task has ended, no object, no staged part and no pending upload is left, and the old file is as it was.
   */
  @Test
  void failedSingleFileUploadLeavesNothing(S3Server s3) throws Exception {
    long rows = 4 * 2 * MIN_ROWS;
    Dataset<Row> failing = rows(0, rows, 4)
        .selectExpr("id", "IF(id = " + (rows - 1) + ", raise_error('the last row fails'), x) AS x");
    Exception failed = assertThrows(Exception.class, () -> failing.write().format("npy")
        .option("singleFile", "true").save(s3.url("failedone/ids.npy")));
    assertTrue(String.valueOf(failed.getMessage()).contains("the last row fails"), failed.toString());
    awaitTasksEnded();
    assertOnlyObjects(s3, "failedone/", List.of());

    rows(0, 10, 2).write().format("npy").option("singleFile", "true").save(s3.url("failedone/ids.npy"));
    assertThrows(Exception.class, () -> failing.write().format("npy").option("singleFile", "true")
        .mode("overwrite").save(s3.url("failedone/ids.npy")));
    assertThrows(Exception.class, () -> failing.write().format("npy").mode("append")
        .save(s3.url("failedone/ids.npy")));
    awaitTasksEnded();
    assertOnlyObjects(s3, "failedone/", List.of("failedone/ids.npy"));
    assertNumpyReads(s3, "failedone/ids.npy", 0, 10);
  }

  /**
   * An append to a single object of 15 MiB rewrites it on the store: the driver reads the old data's first 5 MiB
   * (uploaded behind the new header), the server copies the other 10 MiB into a part (UploadPartCopy), the tasks
   * upload the new rows. The old header, aligned to 16 bytes as older NumPy releases wrote it, is 112 bytes and the
   * new one 128, so the old data moves. A failed append, and an append of no rows, leave the object as it was.
   */
  @Test
  void singleFileAppendCopiesTheOldDataOnTheStore(S3Server s3) throws Exception {
    String key = "append/ids.npy";
    long old = 3 * MIN_ROWS;
    Path made = local.resolve("old-ids.npy");
    Python.run("n = " + old + "\n"
        + "a = np.zeros(n, dtype=[('id', '<i8'), ('x', '<f8')])\n"
        + "a['id'] = np.arange(n)\n"
        + "a['x'] = a['id'] / 4\n"
        + "d = \"{'descr': [('id', '<i8'), ('x', '<f8')], 'fortran_order': False, 'shape': (%d,), }\" % n\n"
        + "total = (10 + len(d) + 1 + 15) // 16 * 16\n"
        + "h = d + ' ' * (total - 10 - len(d) - 1) + '\\n'\n"
        + "assert total == 112, total\n"
        + "with open(" + Python.literal(made) + ", 'wb') as f:\n"
        + "    f.write(b'\\x93NUMPY\\x01\\x00' + len(h).to_bytes(2, 'little') + h.encode('latin1'))\n"
        + "    f.write(a.tobytes())\n"
        + "assert (np.load(" + Python.literal(made) + ") == a).all()\n");
    s3.upload(made, key);

    long added = 2 * (MIN_ROWS + MIN_ROWS / 2); // two tasks of 7.5 MiB: each one part of its own
    String oldTag = etag(s3, key);
    Dataset<Row> failing = rows(old, old + added, 2)
        .selectExpr("id", "IF(id = " + (old + added - 1) + ", raise_error('the last row fails'), x) AS x");
    assertThrows(Exception.class, () -> failing.write().format("npy").mode("append").save(s3.url(key)));
    awaitTasksEnded();
    assertEquals(oldTag, etag(s3, key), "the object after a failed append");
    assertOnlyObjects(s3, "append/", List.of(key));

    long driverRead = driverBytesRead(() -> rows(old, old + added, 2).write().format("npy").mode("append")
        .option("fs.s3a.multipart.size", "5M").save(s3.url(key)));

    assertTrue(driverRead >= MIN_PART && driverRead < MIN_PART + (256 << 10),
        "the driver read " + driverRead + " bytes, not the old data's head of " + MIN_PART + " bytes (and the header)");
    assertOnlyObjects(s3, "append/", List.of(key));
    assertNumpyReads(s3, key, 0, old + added);
    assertEquals(128, dataOffset(s3, key), "the data offset of the new header");

    String appendedTag = etag(s3, key);
    rows(0, 0, 2).write().format("npy").mode("append").save(s3.url(key));
    assertEquals(appendedTag, etag(s3, key), "the object after appending no rows");
    assertOnlyObjects(s3, "append/", List.of(key));
    assertNumpyReads(s3, key, 0, old + added);
  }

  /**
   * An append to a headerless object ({@code memmap}) of 12 MiB: its first 5 MiB through the driver, the other 7 MiB
   * copied by the server, the new rows uploaded by the tasks.
   */
  @Test
  void singleFileAppendToHeaderlessObject(S3Server s3) throws Exception {
    String key = "appendraw/ids.bin";
    long old = 12 * (MIN_PART / 5) / 8; // 12 MiB of int64
    long added = 2 * (MIN_PART * 6 / 5) / 8; // two tasks of 6 MiB
    spark.range(0, old, 1, 2).write().format("memmap").option("singleFile", "true").save(s3.url(key));
    long driverRead = driverBytesRead(() -> spark.range(old, old + added, 1, 2).write().format("memmap")
        .mode("append").option("fs.s3a.multipart.size", "5M").save(s3.url(key)));

    assertTrue(driverRead >= MIN_PART && driverRead < MIN_PART + (256 << 10),
        "the driver read " + driverRead + " bytes, not the old data's head of " + MIN_PART + " bytes");
    assertOnlyObjects(s3, "appendraw/", List.of(key));
    Path copy = ItEnvironment.workDir("s3-write-check").resolve("raw");
    s3.download(key, copy);
    Python.run("a = np.fromfile(" + Python.literal(copy) + ", dtype='<i8')\n"
        + "assert (a == np.arange(" + (old + added) + ")).all(), (a.shape, a[:5])\n");
  }

  /** The ETag of the object at {@code key}: another for every object written there. */
  private static String etag(S3Server s3, String key) throws IOException {
    return ((org.apache.hadoop.fs.EtagSource) s3.fileSystem().getFileStatus(new org.apache.hadoop.fs.Path(s3.url(key))))
        .getEtag();
  }

  /** Where the data of the {@code .npy} object at {@code key} begins, from its header's length field. */
  private static long dataOffset(S3Server s3, String key) throws IOException {
    try (org.apache.hadoop.fs.FSDataInputStream in = s3.fileSystem().open(new org.apache.hadoop.fs.Path(s3.url(key)))) {
      byte[] prefix = new byte[10];
      in.readFully(0, prefix);
      return 10 + ((prefix[8] & 0xff) | (prefix[9] & 0xff) << 8);
    }
  }

  /** Bytes the calling thread, the driver's, read from S3 while {@code write} ran: tasks run on other threads. */
  private static long driverBytesRead(Runnable write) {
    long before = threadBytesRead();
    write.run();
    return threadBytesRead() - before;
  }

  @SuppressWarnings("deprecation")
  private static long threadBytesRead() {
    return org.apache.hadoop.fs.FileSystem.getAllStatistics().stream().filter(s -> s.getScheme().equals("s3a"))
        .mapToLong(s -> s.getThreadStatistics().getBytesRead()).sum();
  }

  /**
   * Waits until every task started has ended: Spark fails a job at its first failed task without waiting for the
   * others, which may still be committing.
   */
  private static void awaitTasksEnded() throws Exception {
    while (true) {
      spark.sparkContext().listenerBus().waitUntilEmpty();
      if (TASKS.started.get() == TASKS.ended.get()) {
        return;
      }
      Thread.sleep(100);
    }
  }

  private static final TaskCounter TASKS = new TaskCounter();

  /** Counts the tasks started and ended, as the listener bus reports them. */
  private static final class TaskCounter extends org.apache.spark.scheduler.SparkListener {
    final java.util.concurrent.atomic.AtomicLong started = new java.util.concurrent.atomic.AtomicLong();
    final java.util.concurrent.atomic.AtomicLong ended = new java.util.concurrent.atomic.AtomicLong();

    @Override
    public void onTaskStart(org.apache.spark.scheduler.SparkListenerTaskStart taskStart) {
      started.incrementAndGet();
    }

    @Override
    public void onTaskEnd(org.apache.spark.scheduler.SparkListenerTaskEnd taskEnd) {
      ended.incrementAndGet();
    }
  }

  /** Names of the objects under {@code key}/, sorted. */
  private static List<String> objectNames(S3Server s3, String key) throws IOException {
    List<String> names = new ArrayList<>();
    for (FileStatus status : s3.fileSystem().listStatus(new org.apache.hadoop.fs.Path(s3.url(key)))) {
      names.add(status.getPath().getName());
    }
    names.sort(null);
    return names;
  }

  /** The objects under {@code prefix} are exactly {@code expected}, and no upload is pending. */
  private static void assertOnlyObjects(S3Server s3, String prefix, List<String> expected) throws IOException {
    List<String> sorted = new ArrayList<>(expected);
    sorted.sort(null);
    assertEquals(sorted, s3.objects(prefix), "objects under " + prefix);
    assertEquals(List.of(), s3.pendingUploads(), "uploads left pending");
  }

  /**
   * The harness sees an upload left pending (S3A's multipart uploader, as the connector uses it), and its abort. The
   * rule the single-file upload is planned around holds on this server: a part under 5 MiB that is not the last
   * fails the upload, so that {@link #singleFileOfTinyEmptyAndEdgePartitions} tests the plan's edges.
   */
  @Test
  void pendingUploadsAreSeenAndShortPartsButTheLastRefused(S3Server s3) throws Exception {
    org.apache.hadoop.fs.Path dst = new org.apache.hadoop.fs.Path(s3.url("pending/object"));
    try (org.apache.hadoop.fs.MultipartUploader uploader =
        s3.fileSystem().createMultipartUploader(dst.getParent()).build()) {
      org.apache.hadoop.fs.UploadHandle upload = uploader.startUpload(dst).get();
      java.util.Map<Integer, org.apache.hadoop.fs.PartHandle> parts = new java.util.HashMap<>();
      for (int number : new int[] {3, 7}) {
        byte[] bytes = new byte[(int) MIN_PART - 1];
        parts.put(number, uploader.putPart(upload, number, true, dst, new java.io.ByteArrayInputStream(bytes),
            bytes.length).get());
      }
      assertEquals(List.of(), s3.objects("pending/"), "objects while the upload is pending");
      assertTrue(!s3.pendingUploads().isEmpty(), "a pending upload is seen");
      Exception refused = assertThrows(Exception.class, () -> uploader.complete(upload, dst, parts).get());
      assertTrue(String.valueOf(refused).contains("EntityTooSmall"), refused.toString());
      uploader.abort(upload, dst).get();
    }
    assertEquals(List.of(), s3.objects("pending/"), "objects after the abort");
    assertEquals(List.of(), s3.pendingUploads(), "after the abort");
  }

  /**
   * Copy requests Spark's S3A client made so far (its one cached instance serves the driver and the local
   * executors): S3A renames an object by copying it.
   */
  private static long serverSideCopies(S3Server s3) throws IOException {
    org.apache.hadoop.fs.FileSystem fs = org.apache.hadoop.fs.FileSystem.get(java.net.URI.create(s3.url("")),
        spark.sessionState().newHadoopConf());
    Long copies = fs.getStorageStatistics().getLong("object_copy_requests");
    assertTrue(copies != null, "S3A counts copy requests: " + fs.getStorageStatistics());
    return copies;
  }

  /** Downloads the object or the parts at {@code key}; NumPy finds ids {@code [from, to)} and x = id / 4. */
  private static void assertNumpyReads(S3Server s3, String key, long from, long to) throws IOException {
    Path copy = ItEnvironment.workDir("s3-write-check");
    s3.download(key, copy.resolve("out"));
    Python.run("import glob, os\n"
        + "p = " + Python.literal(copy.resolve("out")) + "\n"
        + "files = [p] if os.path.isfile(p) else sorted(glob.glob(os.path.join(p, 'part-*.npy')))\n"
        + "arrays = [np.load(f) for f in files]\n"
        + "assert arrays, 'no array in ' + p\n"
        + "a = np.concatenate(arrays)\n"
        + "assert a.dtype == np.dtype([('id', '<i8'), ('x', '<f8')]), a.dtype\n"
        + "assert (a['id'] == np.arange(" + from + ", " + to + ")).all(), (a.shape, a['id'][:5])\n"
        + "assert (a['x'] == a['id'] / 4).all()\n");
  }
}
