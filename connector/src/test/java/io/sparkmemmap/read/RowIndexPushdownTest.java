package io.sparkmemmap.read;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkmemmap.Python;
import io.sparkmemmap.QueryPlans;
import io.sparkmemmap.SparkTestSession;
import io.sparkmemmap.format.NpyHeader;
import io.sparkmemmap.format.NumpyDescr;
import io.sparkmemmap.format.Shape;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.List;
import java.util.function.LongPredicate;
import java.util.stream.Collectors;
import java.util.stream.LongStream;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.execution.FilterExec;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Predicates on {@code _row_index}, LIMIT and OFFSET select row ranges at planning: the rows outside are never
 * mapped (the {@code bytesMapped} metric counts exactly the selected rows), the answer is exactly the qualifying
 * rows across partition and file boundaries, and no filter or limit is left in the plan.
 */
class RowIndexPushdownTest {
  private static final int ROWS = 10_000;
  /** 1000 rows of 8 bytes per split: the predicates below cross partition boundaries. */
  private static final String SPLIT = "8000";

  @TempDir
  static Path dir;

  @BeforeAll
  static void writeFiles() {
    Python.run(String.join("\n",
        "d = " + Python.literal(dir) + " + '/'",
        "np.save(d + 'v.npy', np.arange(" + ROWS + ", dtype='<i8') * 3)",
        "import os",
        "os.mkdir(d + 'parts')",
        "for i, n in enumerate([5, 0, 7, 3]):",
        "    np.save(d + 'parts/p%d.npy' % i, np.arange(n, dtype='<i4') + 100 * i)",
        "np.savez_compressed(d + 'z.npz', v=np.arange(5000, dtype='<i8') * 3)",
        ""));
  }

  private static SparkSession spark() {
    SparkSession spark = SparkTestSession.get();
    // A view hides metadata columns (Spark's View has no metadata output): select _row_index into it.
    spark.read().format("npy").option("maxPartitionBytes", SPLIT).load(dir.resolve("v.npy").toString())
        .selectExpr("_row_index", "value").createOrReplaceTempView("v");
    return spark;
  }

  @Test
  void everyPredicateFormSelectsExactlyItsRows() {
    SparkSession spark = spark();
    String inList = LongStream.range(0, 40).map(i -> i * 251).mapToObj(Long::toString)
        .collect(Collectors.joining(", "));
    check(spark, "_row_index = 5", r -> r == 5);
    check(spark, "_row_index < 10", r -> r < 10);
    check(spark, "_row_index <= 10", r -> r <= 10);
    check(spark, "_row_index > 9990", r -> r > 9990);
    check(spark, "_row_index >= 9990", r -> r >= 9990);
    check(spark, "5 > _row_index", r -> r < 5);
    check(spark, "_row_index BETWEEN 995 AND 2005", r -> r >= 995 && r <= 2005);
    check(spark, "_row_index IN (0, 999, 1000, 1001, 5000, 9999, 20000, -1)",
        r -> r == 0 || r == 999 || r == 1000 || r == 1001 || r == 5000 || r == 9999);
    check(spark, "_row_index IN (" + inList + ")", r -> r % 251 == 0 && r < 40 * 251);
    check(spark, "(_row_index < 100 OR _row_index >= 9900) AND NOT _row_index IN (50, 9950)",
        r -> (r < 100 || r >= 9900) && r != 50 && r != 9950);
    check(spark, "NOT (_row_index BETWEEN 100 AND 9800)", r -> r < 100 || r > 9800);
    check(spark, "_row_index != 7 AND _row_index < 20", r -> r != 7 && r < 20);
    check(spark, "_row_index >= 999 AND _row_index < 1001 OR _row_index = 3000", r -> r == 999 || r == 1000
        || r == 3000);
    check(spark, "_row_index >= 20000", r -> false);
    check(spark, "_row_index < 0", r -> false);
    check(spark, "_row_index > 10 AND _row_index < 5", r -> false);
    // Spark unwraps the casts to decimal: = 3.5 is false, = 4.0 is _row_index = 4
    Dataset<Row> decimal = spark.sql("SELECT value FROM v WHERE _row_index = 3.5 OR _row_index = 4.0");
    assertEquals(List.of(12L), decimal.collectAsList().stream().map(r -> r.getLong(0)).toList());
  }

  private static void check(SparkSession spark, String where, LongPredicate expected) {
    Dataset<Row> df = spark.sql("SELECT _row_index, value FROM v WHERE " + where);
    List<Row> rows = df.collectAsList();
    long[] want = LongStream.range(0, ROWS).filter(expected).toArray();
    assertEquals(want.length, rows.size(), where);
    for (int i = 0; i < want.length; i++) {
      assertEquals(want[i], rows.get(i).getLong(0), where);
      assertEquals(want[i] * 3, rows.get(i).getLong(1), where);
    }
    assertFalse(QueryPlans.contains(df, FilterExec.class),
        where + " is pushed completely: " + df.queryExecution().executedPlan());
    assertEquals(want.length * 8L, QueryPlans.metric(df, "bytesMapped"), where + ": only its rows mapped");
    assertEquals(want.length, QueryPlans.metric(df, "rowsRead"), where);
  }

  @Test
  void predicatesMixingOtherColumnsNarrowTheRangesAndStayInThePlan() {
    SparkSession spark = spark();
    Dataset<Row> df = spark.sql("SELECT _row_index FROM v WHERE _row_index < 100 AND value % 2 = 0");
    assertEquals(50, df.collectAsList().size());
    assertTrue(QueryPlans.contains(df, FilterExec.class));
    assertEquals(100 * 8L, QueryPlans.metric(df, "bytesMapped"));

    df = spark.sql("SELECT _row_index FROM v WHERE (_row_index < 100 AND value > 30) OR _row_index >= 9990");
    List<Long> rows = df.collectAsList().stream().map(r -> r.getLong(0)).toList();
    List<Long> want = LongStream.range(0, ROWS).filter(r -> (r < 100 && r * 3 > 30) || r >= 9990).boxed().toList();
    assertEquals(want, rows);
    assertTrue(QueryPlans.contains(df, FilterExec.class));
    assertEquals(110 * 8L, QueryPlans.metric(df, "bytesMapped"), "the superset [0, 100) [9990, end)");

    df = spark.sql("SELECT _row_index FROM v WHERE _row_index < 100 OR value = 300");
    assertEquals(LongStream.range(0, 101).boxed().toList(), df.collectAsList().stream().map(r -> r.getLong(0))
        .toList());
    assertEquals(ROWS * 8L, QueryPlans.metric(df, "bytesMapped"), "nothing known: every row read");
  }

  @Test
  void rowIndexIsPerFileAcrossADirectory() {
    Dataset<Row> df = SparkTestSession.get().read().format("npy").load(dir.resolve("parts").toString())
        .where("_row_index BETWEEN 2 AND 4 OR _row_index = 6").selectExpr("_file", "_row_index", "value");
    List<String> rows = df.collectAsList().stream()
        .map(r -> r.getString(0).replaceAll(".*/", "") + ":" + r.getLong(1) + "=" + r.getInt(2)).toList();
    assertEquals(List.of("p0.npy:2=2", "p0.npy:3=3", "p0.npy:4=4", "p2.npy:2=202", "p2.npy:3=203",
        "p2.npy:4=204", "p2.npy:6=206", "p3.npy:2=302"), rows);
    assertFalse(QueryPlans.contains(df, FilterExec.class));
    assertEquals(8 * 4L, QueryPlans.metric(df, "bytesMapped"));
  }

  @Test
  void compressedEntriesInflateOnlyUpToTheLastSelectedRow() {
    Dataset<Row> df = SparkTestSession.get().read().format("npy").load(dir.resolve("z.npz").toString())
        .where("_row_index IN (3, 4, 1000, 1001, 1002)").selectExpr("_row_index", "value");
    assertEquals(List.of("3=9", "4=12", "1000=3000", "1001=3003", "1002=3006"), df.collectAsList().stream()
        .map(r -> r.getLong(0) + "=" + r.getLong(1)).toList());
    assertFalse(QueryPlans.contains(df, FilterExec.class));
  }

  @Test
  void limitAndOffsetReadOnlyTheRowsTheyKeep() {
    SparkSession spark = spark();
    checkRows(spark.sql("SELECT _row_index, value FROM v LIMIT 7"), 0, 7);
    checkRows(spark.sql("SELECT _row_index, value FROM v LIMIT 5 OFFSET 998"), 998, 5);
    checkRows(spark.sql("SELECT _row_index, value FROM v WHERE _row_index >= 5000 LIMIT 3"), 5000, 3);
    checkRows(spark.sql("SELECT _row_index, value FROM v WHERE _row_index >= 9998 LIMIT 30"), 9998, 2);
    checkRows(spark.table("v").selectExpr("_row_index", "value").offset(3).limit(4), 3, 4);
    assertEquals(0, spark.sql("SELECT _row_index, value FROM v LIMIT 0").collectAsList().size());

    Dataset<Row> files = SparkTestSession.get().read().format("npy").load(dir.resolve("parts").toString())
        .selectExpr("value").offset(4).limit(6);
    assertEquals(List.of(4, 200, 201, 202, 203, 204), files.collectAsList().stream().map(r -> r.getInt(0)).toList());
    assertEquals(6 * 4L, QueryPlans.metric(files, "bytesMapped"), "the limit spans files");
  }

  private static void checkRows(Dataset<Row> df, long first, int count) {
    List<Row> rows = df.collectAsList();
    assertEquals(count, rows.size(), df.queryExecution().executedPlan().toString());
    for (int i = 0; i < count; i++) {
      assertEquals(first + i, rows.get(i).getLong(0));
      assertEquals((first + i) * 3, rows.get(i).getLong(1));
    }
    String plan = df.queryExecution().executedPlan().toString();
    assertFalse(plan.contains("Limit") || plan.contains("Offset"), "limit and offset pushed: " + plan);
    assertEquals(count * 8L, QueryPlans.metric(df, "bytesMapped"));
  }

  @Test
  void explainAndStatisticsShowWhatWasPushed() {
    Dataset<Row> df = spark().sql("SELECT value FROM v WHERE _row_index BETWEEN 1000 AND 1999 LIMIT 10");
    String explain = df.queryExecution().explainString(org.apache.spark.sql.execution.SimpleMode$.MODULE$);
    assertTrue(explain.contains("rows=[1000, 2000)"), explain);
    assertTrue(explain.contains("_row_index >= 1000"), explain);
    assertTrue(explain.contains("limit=10"), explain);
    var stats = spark().sql("SELECT value FROM v WHERE _row_index BETWEEN 1000 AND 2499").queryExecution()
        .optimizedPlan().stats();
    assertEquals(1500, stats.rowCount().get().longValue(), "the selection's rows, for broadcast decisions");
    assertEquals(1500 * 8L, stats.sizeInBytes().longValue());
  }

  /**
   * A 1 GiB array (sparse on disk: a real header, then zeros except a few values): a range of 0.1% of its rows
   * maps at most 1% of its bytes.
   */
  @Test
  void aSmallRangeOfAGibibyteFileMapsAFewOfItsBytes() throws Exception {
    long rows = 1L << 28; // float32: 1 GiB of data
    Path file = dir.resolve("big.npy");
    byte[] header = NpyHeader.encode(NumpyDescr.parse("<f4"), false, Shape.of(rows));
    long from = 100_000_000L;
    long count = rows / 1000;
    try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
      raf.write(header);
      raf.setLength(header.length + rows * 4);
      for (long row : new long[] {from - 1, from, from + 7, from + count - 1, from + count}) {
        ByteBuffer value = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putFloat(0, row % 1000 + 0.5f);
        raf.seek(header.length + row * 4);
        raf.write(value.array());
      }
    }
    Dataset<Row> df = SparkTestSession.get().read().format("npy").load(file.toString())
        .where("_row_index >= " + from + " AND _row_index < " + (from + count))
        .selectExpr("sum(value)", "count(value)", "max(_row_index)");
    Row result = df.collectAsList().get(0);
    assertEquals(0.5 + 7.5 + ((from + count - 1) % 1000 + 0.5), result.getDouble(0), 1e-9,
        "rows just outside the range are left out");
    assertEquals(count, result.getLong(1));
    assertEquals(from + count - 1, result.getLong(2));
    long mapped = QueryPlans.metric(df, "bytesMapped");
    long fileBytes = java.nio.file.Files.size(file);
    assertEquals(count * 4, mapped);
    assertTrue(mapped <= fileBytes / 100, mapped + " of " + fileBytes + " bytes mapped");
  }
}
