package io.sparkmemmap.connect;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkmemmap.Python;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.Comparator;
import java.util.stream.Stream;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The connector through Spark Connect: this JVM has only Spark's JVM client, and the connector is on the server
 * (its shaded jar in the server's {@code --jars}). Reads, every save mode, the SQL forms and what EXPLAIN shows of
 * the pushdowns; NumPy makes the inputs and checks every file written.
 */
class SparkConnectClientTest {
  private static final Duration SERVER_START = Duration.ofMinutes(3);
  private static final int ROWS = 3000;

  private static Path dir;
  private static Path data;
  private static ConnectServer server;
  private static SparkSession spark;

  @BeforeAll
  static void startServerAndClient() throws Exception {
    dir = freshDir("client");
    data = Files.createDirectories(dir.resolve("data"));
    Python.run("d = " + Python.literal(data) + " + '/'\n"
        + "import os\n"
        + "np.save(d + 'v.npy', np.arange(" + ROWS + ", dtype='<f8') * 0.5)\n"
        + "np.save(d + 'emb.npy', (np.arange(50 * 4, dtype='<f4') / 8).reshape(50, 4))\n"
        + "os.makedirs(d + 'ts', exist_ok=True)\n"
        + "t = np.zeros(7, [('t', '<M8[s]'), ('x', '<f8')]); t['t'] = np.arange(7) * 60; t['x'] = np.arange(7) ** 2\n"
        + "np.save(d + 'ts/part-00000.npy', t[:3]); np.save(d + 'ts/part-00001.npy', t[3:])\n");
    server = ConnectServer.start(Files.createDirectories(freshDir("server")), SERVER_START);
    spark = SparkSession.builder().remote(server.url()).getOrCreate();
  }

  @AfterAll
  static void stop() {
    try {
      if (spark != null) {
        spark.stop();
      }
    } finally {
      if (server != null) {
        server.close();
      }
    }
  }

  @Test
  void readsThroughTheClient() {
    String[] expected = Python.run("v = np.load(" + Python.literal(data.resolve("v.npy")) + ")\n"
        + "emb = np.load(" + Python.literal(data.resolve("emb.npy")) + ")\n"
        + "print(repr(float(v.sum())), repr(float(emb[:, 1].astype('f8').sum())), repr(float(emb[7, 2])))\n")
        .trim().split(" ");

    Dataset<Row> v = spark.read().format("npy").load(data.resolve("v.npy").toString());
    Dataset<Row> emb = spark.read().format("npy").load(data.resolve("emb.npy").toString());
    Row third = emb.where("_row_index = 7").selectExpr("value[2]").first();
    assertAll(
        () -> assertEquals("struct<value:double>", v.schema().simpleString()),
        () -> assertEquals(ROWS, v.count()),
        () -> assertEquals(Double.parseDouble(expected[0]), v.agg(org.apache.spark.sql.functions.sum("value"))
            .first().getDouble(0)),
        () -> assertEquals("struct<value:array<float>>", emb.schema().simpleString()),
        () -> assertEquals(Double.parseDouble(expected[1]), emb.selectExpr("sum(value[1])").first().getDouble(0)),
        () -> assertEquals(Float.parseFloat(expected[2]), third.getFloat(0)));
  }

  @Test
  void everySaveModeThroughTheClient() throws Exception {
    Path single = dir.resolve("modes/ids.npy");
    String path = single.toString();

    // errorifexists, the default: creates the file, then refuses to touch it.
    spark.range(0, 10).selectExpr("id AS value").write().format("npy").option("singleFile", "true").save(path);
    Exception refused = assertThrows(Exception.class, () ->
        spark.range(50, 60).selectExpr("id AS value").write().format("npy").option("singleFile", "true").save(path));
    assertTrue(String.valueOf(refused.getMessage()).contains(single.getFileName().toString()),
        "the refusal names the path: " + refused.getMessage());
    // ignore: leaves it as it is.
    spark.range(100, 110).selectExpr("id AS value").write().format("npy").mode("ignore")
        .option("singleFile", "true").save(path);
    assertNumPyIds(single, "np.arange(10)");
    // append: grows the file in place.
    spark.range(10, 15).selectExpr("id AS value").write().format("npy").mode("append")
        .option("singleFile", "true").save(path);
    assertNumPyIds(single, "np.arange(15)");
    // overwrite: replaces it.
    spark.range(20, 23).selectExpr("id AS value").write().format("npy").mode("overwrite")
        .option("singleFile", "true").save(path);
    assertNumPyIds(single, "np.arange(20, 23)");

    // A directory of part files: the (50, 4) float32 array read and written back, in row order.
    Path parts = dir.resolve("modes/emb-parts");
    spark.read().format("npy").option("maxPartitionBytes", "256").load(data.resolve("emb.npy").toString())
        .write().format("npy").mode("overwrite").save(parts.toString());
    Python.run("import glob\n"
        + "files = sorted(glob.glob(" + Python.literal(parts) + " + '/part-*.npy'))\n"
        + "assert len(files) > 1, files\n"
        + "a = np.concatenate([np.load(f) for f in files])\n"
        + "emb = np.load(" + Python.literal(data.resolve("emb.npy")) + ")\n"
        + "assert a.dtype == emb.dtype and a.shape == emb.shape and (a == emb).all(), (a.dtype, a.shape)\n");
  }

  @Test
  void sqlFormsAndPushdownsThroughTheClient() throws Exception {
    String v = "npy.`" + data.resolve("v.npy") + "`";
    String[] expected = Python.run("v = np.load(" + Python.literal(data.resolve("v.npy")) + ")\n"
        + "t = np.concatenate([np.load(" + Python.literal(data.resolve("ts/part-00000.npy")) + "), np.load("
        + Python.literal(data.resolve("ts/part-00001.npy")) + ")])\n"
        + "print(repr(float(v[1000:2000].mean())), repr(float(v.max())), repr(float(t['x'].sum())))\n")
        .trim().split(" ");

    String rangeQuery = "SELECT count(*), avg(value) FROM " + v + " WHERE _row_index BETWEEN 1000 AND 1999";
    Row range = spark.sql(rangeQuery).first();
    String rangePlan = explain(rangeQuery);
    String countPlan = explain("SELECT count(*) FROM " + v);
    String maxQuery = "SELECT max(value) FROM " + v;
    String maxPlan = explain(maxQuery);

    spark.sql("CREATE TEMPORARY VIEW emb USING npy OPTIONS (path '" + data.resolve("emb.npy") + "')");
    spark.sql("CREATE TABLE ts USING npy LOCATION '" + data.resolve("ts") + "/'");
    Row emb = spark.sql("SELECT count(*) FROM emb").first();
    Row ts = spark.sql("SELECT count(*), sum(x) FROM ts").first();

    Path inserted = dir.resolve("sql/inserted");
    String target = "npy.`" + inserted + "`";
    spark.sql("CREATE TABLE " + target + " AS SELECT id AS value FROM range(5)");
    spark.sql("INSERT INTO " + target + " SELECT CAST(value AS BIGINT) FROM " + v + " WHERE _row_index >= 2995");

    assertAll(
        () -> assertEquals(1000L, range.getLong(0)),
        () -> assertEquals(Double.parseDouble(expected[0]), range.getDouble(1)),
        () -> assertTrue(rangePlan.contains("rows=[1000, 2000)"), "the row range is pushed into the scan: " + rangePlan),
        () -> assertTrue(countPlan.contains("LocalTableScan") && !countPlan.contains("BatchScan"),
            "count(*) is answered at planning from the header, no scan: " + countPlan),
        () -> assertTrue(maxPlan.contains("aggregates="), "max is computed in the scan: " + maxPlan),
        () -> assertEquals(Double.parseDouble(expected[1]), spark.sql(maxQuery).first().getDouble(0)),
        () -> assertEquals(50L, emb.getLong(0)),
        () -> assertEquals(7L, ts.getLong(0)),
        () -> assertEquals(Double.parseDouble(expected[2]), ts.getDouble(1)),
        () -> assertEquals(10L, spark.sql("SELECT count(*) FROM " + target).first().getLong(0)));
    Python.run("import glob\n"
        + "files = sorted(glob.glob(" + Python.literal(inserted) + " + '/*.npy'))\n"
        + "a = np.concatenate([np.load(f) for f in files])\n"
        + "assert a.dtype == np.dtype('<i8'), a.dtype\n"
        + "v = np.load(" + Python.literal(data.resolve("v.npy")) + ")\n"
        + "expected = sorted(list(range(5)) + v[2995:].astype('<i8').tolist())\n"
        + "assert sorted(a.tolist()) == expected, (a, expected)\n");
  }

  /** The plan text of {@code EXPLAIN query}, as the server formats it. */
  private static String explain(String query) {
    return spark.sql("EXPLAIN " + query).first().getString(0);
  }

  private static void assertNumPyIds(Path file, String expected) {
    Python.run("a = np.load(" + Python.literal(file) + ", mmap_mode='r')\n"
        + "e = " + expected + "\n"
        + "assert a.dtype == np.dtype('<i8') and a.shape == e.shape and (a == e).all(), (a.dtype, a[:20])\n");
  }

  private static Path freshDir(String name) throws IOException {
    Path path = Paths.get(ConnectServer.required("connect.workDir")).toAbsolutePath().resolve(name);
    if (Files.exists(path)) {
      try (Stream<Path> paths = Files.walk(path)) {
        for (Path p : (Iterable<Path>) paths.sorted(Comparator.reverseOrder())::iterator) {
          Files.delete(p);
        }
      }
    }
    return Files.createDirectories(path);
  }
}
