package io.sparkmemmap.catalog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkmemmap.Python;
import io.sparkmemmap.QueryPlans;
import io.sparkmemmap.SparkTestSession;
import io.sparkmemmap.SparkValues;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.execution.FilterExec;
import org.apache.spark.sql.execution.datasources.v2.BatchScanExec;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The SQL forms of the SPEC end to end, each in a fresh session (its own SQL configuration, nothing set by the
 * test): the path catalogs register themselves. Pushdown shows in the plans and in the bytes the scans map.
 */
class SqlTest {
  private static final int ROWS = 5000;

  @TempDir
  static Path dir;

  @BeforeAll
  static void writeFiles() {
    Python.run(String.join("\n",
        "d = " + Python.literal(dir) + " + '/'",
        "np.save(d + 'v.npy', np.arange(" + ROWS + ", dtype='<f8') * 0.5)",
        "np.save(d + 'emb.npy', (np.arange(40 * 4, dtype='<f4') / 8).reshape(40, 4))",
        "import os",
        "os.mkdir(d + 'ts')",
        "t = np.zeros(6, [('t', '<M8[s]'), ('x', '<f8')])",
        "t['t'] = np.arange(6) * 3600; t['x'] = np.arange(6) ** 2",
        "np.save(d + 'ts/part-00000.npy', t[:4]); np.save(d + 'ts/part-00001.npy', t[4:])",
        "np.arange(24, dtype='<f4').tofile(d + 'raw.dat')",
        ""));
  }

  /** A session of its own: runtime SQL configuration (catalogs included) is not shared with other sessions. */
  private static SparkSession fresh() {
    SparkSession spark = SparkTestSession.get().newSession();
    assertFalse(spark.conf().contains("spark.sql.catalog.npy"), "nothing registered before the first query");
    return spark;
  }

  @Test
  void directPathQueryWithPushedRowRangeAndAggregates() {
    SparkSession spark = fresh();
    String path = "npy.`" + dir.resolve("v.npy") + "`";
    Dataset<Row> df = spark.sql("SELECT count(*), avg(value) FROM " + path
        + " WHERE _row_index BETWEEN 1000 AND 1999");
    Row row = df.collectAsList().get(0);
    assertEquals(1000L, row.getLong(0));
    assertEquals(0.5 * (1000 + 1999) / 2, row.getDouble(1), 0);
    String plan = df.queryExecution().executedPlan().toString();
    assertFalse(QueryPlans.contains(df, FilterExec.class), plan);
    assertTrue(plan.contains("NpyAggregateScan") && plan.contains("rows=[1000, 2000)"), plan);
    assertEquals(1000 * 8L, QueryPlans.metric(df, "bytesMapped"), "only the selected rows are mapped");

    Dataset<Row> count = spark.sql("SELECT count(*) FROM " + path);
    assertEquals(ROWS, count.collectAsList().get(0).getLong(0));
    assertFalse(QueryPlans.contains(count, BatchScanExec.class),
        "answered from the header, with no scan: " + count.queryExecution().executedPlan());

    List<Row> page = spark.sql("SELECT _row_index, value FROM " + path + " LIMIT 3 OFFSET 10").collectAsList();
    assertEquals(List.of(10L, 11L, 12L), page.stream().map(r -> r.getLong(0)).toList());
  }

  @Test
  void temporaryViewUsingNpy() {
    SparkSession spark = fresh();
    spark.sql("CREATE TEMPORARY VIEW emb USING npy OPTIONS (path '" + dir.resolve("emb.npy") + "')");
    Row row = spark.sql("SELECT count(*), sum(value[1]), max(value[3]) FROM emb").first();
    assertEquals(40L, row.getLong(0));
    assertEquals(numpy("emit(float((np.arange(160, dtype='<f4') / 8).reshape(40, 4)[:, 1].astype('f8').sum()))"),
        row.getDouble(1));
    assertEquals(159 / 8.0f, row.getFloat(2));
    assertEquals(List.of(2.0f, 2.125f, 2.25f, 2.375f), spark.sql("SELECT value FROM emb LIMIT 1 OFFSET 4").first()
        .getList(0));
  }

  /**
   * Spark's views have no hidden columns ({@code View.metadataOutput} is empty in Spark 4.2), so a view
   * {@code USING npy} does not pass {@code _row_index} and {@code _file} through; a view that selects them from the
   * path does, and predicates on them still select the rows read.
   */
  @Test
  void hiddenColumnsThroughViews() {
    SparkSession spark = fresh();
    String path = dir.resolve("emb.npy").toString();
    spark.sql("CREATE TEMPORARY VIEW emb_using USING npy OPTIONS (path '" + path + "')");
    Exception hidden = assertThrows(Exception.class, () -> spark.sql("SELECT _row_index FROM emb_using"));
    assertTrue(hidden.getMessage().contains("UNRESOLVED_COLUMN"), hidden.getMessage());

    spark.sql("CREATE TEMPORARY VIEW emb_indexed AS SELECT _row_index, _file, * FROM npy.`" + path + "`");
    Dataset<Row> df = spark.sql("SELECT _row_index, _file, value[0] FROM emb_indexed WHERE _row_index IN (3, 30)");
    List<Row> rows = df.collectAsList();
    assertEquals(List.of(3L, 30L), rows.stream().map(r -> r.getLong(0)).toList());
    assertTrue(rows.get(0).getString(1).endsWith("/emb.npy"), rows.get(0).getString(1));
    assertEquals(30 * 4 / 8.0f, rows.get(1).getFloat(2));
    assertEquals(2 * 16L, QueryPlans.metric(df, "bytesMapped"), "only the two selected rows are mapped");
  }

  /**
   * The catalog loads a path the same way for a read and for {@code save()}: a path that does not hold arrays fails
   * a read when the query is analyzed, with the reason (not Spark's complaint about the columns it cannot find),
   * and still takes writes.
   */
  @Test
  void aPathThatHoldsNoArraysFailsReadsWithTheReasonAndTakesWrites() throws IOException {
    SparkSession spark = fresh();
    Path missing = dir.resolve("nothing-yet");
    Path foreign = Files.createDirectories(dir.resolve("foreign"));
    Files.writeString(foreign.resolve("notes.txt"), "not an array");

    Exception sql = assertThrows(Exception.class, () -> spark.sql("SELECT value FROM npy.`" + missing + "`"));
    assertTrue(sql.getMessage().contains("does not exist") && sql.getMessage().contains(missing.toString()),
        sql.getMessage());
    Exception load = assertThrows(Exception.class, () -> spark.read().format("npy").load(foreign.toString()));
    assertTrue(load.getMessage().contains(foreign + " holds no .npy files"), load.getMessage());
    Exception noDtype = assertThrows(Exception.class, () -> spark.read().format("memmap")
        .load(dir.resolve("raw.dat").toString()));
    assertTrue(noDtype.getMessage().contains(dir.resolve("raw.dat") + ": option 'dtype' is required"),
        noDtype.getMessage());
    Path target = dir.resolve("never-written");
    Exception insert = assertThrows(Exception.class, () -> spark.sql("INSERT INTO npy.`" + target
        + "` SELECT * FROM npy.`" + foreign + "`"));
    assertTrue(insert.getMessage().contains(foreign + " holds no .npy files"), insert.getMessage());
    assertFalse(Files.exists(target));

    spark.range(3).toDF("value").write().format("npy").mode("append").save(missing.toString());
    assertEquals(3L, spark.read().format("npy").load(missing.toString()).count());
    spark.range(2).toDF("value").write().format("npy").mode("overwrite").save(foreign.toString());
    assertFalse(Files.exists(foreign.resolve("notes.txt")));
    assertEquals(1L, spark.sql("SELECT sum(value) FROM npy.`" + foreign + "`").first().getLong(0));
  }

  @Test
  void catalogTableWithLocation() {
    SparkSession spark = fresh();
    try {
      spark.sql("CREATE TABLE ts USING npy LOCATION '" + dir.resolve("ts") + "/'");
      List<Row> rows = spark.sql("SELECT t, x FROM ts ORDER BY t").collectAsList();
      assertEquals(6, rows.size());
      assertEquals(java.time.LocalDateTime.of(1970, 1, 1, 5, 0), rows.get(5).get(0));
      assertEquals(25.0, rows.get(5).getDouble(1));
      Row stats = spark.sql("SELECT min(t), max(x), count(*) FROM ts WHERE _row_index < 3").first();
      assertEquals(java.time.LocalDateTime.of(1970, 1, 1, 0, 0), stats.get(0));
      assertEquals(25.0, stats.getDouble(1), "rows 0-2 of each file: x of rows 0, 1, 2, 4 and 5");
      assertEquals(5L, stats.getLong(2));
      List<String> files = new ArrayList<>();
      for (Row r : spark.sql("SELECT _file, count(*) FROM ts GROUP BY _file ORDER BY _file").collectAsList()) {
        files.add(r.getString(0).replaceAll(".*/", "") + "=" + r.getLong(1));
      }
      assertEquals(List.of("part-00000.npy=4", "part-00001.npy=2"), files);
    } finally {
      spark.sql("DROP TABLE IF EXISTS ts");
    }
  }

  @Test
  void insertIntoAPath() {
    SparkSession spark = fresh();
    Path parts = dir.resolve("parts");
    String table = "npy.`" + parts + "`";
    spark.sql("CREATE TABLE " + table + " AS SELECT id AS value FROM range(3)");
    spark.sql("INSERT INTO " + table + " SELECT value * 10 FROM npy.`" + dir.resolve("v.npy")
        + "` WHERE _row_index IN (2, 4)");
    Object values = SparkValues.parseJson(Python.run("import glob\n"
        + "emit(canon(np.concatenate([np.load(f) for f in sorted(glob.glob(" + Python.literal(parts)
        + " + '/*.npy'))])))"));
    assertEquals(SparkValues.parseJson("[0, 1, 2, 10, 20]"), values);
    assertEquals(33L, spark.sql("SELECT sum(value) FROM " + table).first().getLong(0));
  }

  /**
   * A memmap file has no header: a direct query takes dtype, shape, offset and order from the catalog's
   * configuration ({@code spark.sql.catalog.memmap.*}); a table takes them from its options.
   */
  @Test
  void memmapDirectQueriesAndTables() {
    SparkSession spark = fresh();
    String raw = dir.resolve("raw.dat").toString();
    spark.sql("SET spark.sql.catalog.memmap.dtype=<f4");
    spark.sql("SET spark.sql.catalog.memmap.shape=-1,4");
    Dataset<Row> df = spark.sql("SELECT count(*), sum(value[3]) FROM memmap.`" + raw + "` WHERE _row_index >= 4");
    Row row = df.collectAsList().get(0);
    assertEquals(2L, row.getLong(0));
    assertEquals(19.0 + 23.0, row.getDouble(1));
    assertEquals(2 * 16L, QueryPlans.metric(df, "bytesMapped"));
    spark.sql("SET spark.sql.catalog.memmap.shape=-1,2");
    assertEquals(12L, spark.sql("SELECT count(*) FROM memmap.`" + raw + "`").first().getLong(0));
    spark.sql("RESET spark.sql.catalog.memmap.shape");
    assertEquals(24L, spark.sql("SELECT count(*) FROM memmap.`" + raw + "`").first().getLong(0),
        "without a shape the file is 1-D");
    spark.sql("RESET spark.sql.catalog.memmap.dtype");
    Exception noDtype = assertThrows(Exception.class, () -> spark.sql("SELECT * FROM memmap.`" + raw + "`"));
    assertTrue(noDtype.getMessage().contains(raw + ": option 'dtype' is required"), noDtype.getMessage());

    SparkSession other = fresh();
    try {
      other.sql("CREATE TABLE raw USING memmap OPTIONS (dtype '<f4', shape '(6, 4)', layout 'columns') LOCATION '"
          + raw + "'");
      Row columns = other.sql("SELECT max(c0), sum(c3), count(*) FROM raw").first();
      assertEquals(20.0f, columns.getFloat(0));
      assertEquals(3.0 + 7 + 11 + 15 + 19 + 23, columns.getDouble(1));
      assertEquals(6L, columns.getLong(2));
    } finally {
      other.sql("DROP TABLE IF EXISTS raw");
    }
  }

  /** Options set for the catalog or a table, and what the path catalog refuses, are refused naming the path. */
  @Test
  void sqlErrorsNameThePath() {
    SparkSession spark = fresh();
    String raw = dir.resolve("raw.dat").toString();
    spark.sql("SET spark.sql.catalog.memmap.dtype=<f4");
    spark.sql("SET spark.sql.catalog.memmap.offset=-8");
    Exception offset = assertThrows(Exception.class, () -> spark.sql("SELECT * FROM memmap.`" + raw + "`"));
    assertTrue(offset.getMessage().contains(raw + ": option 'offset' must be a non-negative integer, got '-8'"),
        offset.getMessage());

    SparkSession other = fresh();
    try {
      // the table's schema is read from the file as it is created: the options are refused then
      Exception layout = assertThrows(Exception.class, () -> other.sql("CREATE TABLE raw_bad USING memmap OPTIONS "
          + "(dtype '<f4', layout 'wide') LOCATION '" + raw + "'"));
      assertTrue(layout.getMessage().contains(raw + ": option 'layout' must be auto, columns or flat, got 'wide'"),
          layout.getMessage());
    } finally {
      other.sql("DROP TABLE IF EXISTS raw_bad");
    }

    String partitioned = dir.resolve("partitioned").toString();
    Exception partitions = assertThrows(Exception.class, () -> spark.sql("CREATE TABLE npy.`" + partitioned
        + "` (x INT, y INT) USING npy PARTITIONED BY (y)"));
    assertTrue(partitions.getMessage().contains(partitioned + ": npy output cannot be partitioned"),
        partitions.getMessage());
    String v = dir.resolve("v.npy").toString();
    Exception alter = assertThrows(Exception.class, () -> spark.sql("ALTER TABLE npy.`" + v
        + "` SET TBLPROPERTIES ('purpose' = 'tests')"));
    assertTrue(alter.getMessage().contains(v + ": npy tables are the arrays at their paths"), alter.getMessage());
  }

  private static double numpy(String script) {
    return Double.parseDouble(Python.run(script).strip());
  }
}
