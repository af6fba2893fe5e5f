package io.sparkmemmap.read;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkmemmap.Python;
import io.sparkmemmap.QueryPlans;
import io.sparkmemmap.SparkTestSession;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.execution.LocalTableScanExec;
import org.apache.spark.sql.execution.aggregate.BaseAggregateExec;
import org.apache.spark.sql.execution.datasources.v2.BatchScanExec;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Aggregates computed inside the scan give exactly what Spark's own aggregation gives (the read option
 * {@code pushDownAggregates=false} turns the pushdown off): every numeric type, both byte orders, NaN and -0.0,
 * NaT as null, partitions with no value, groups by file; what is not pushed (decimal sums, averages a sum in
 * longs would answer differently, other groupings) gives the same answers through Spark. {@code count(*)} is answered from the headers alone, with
 * no aggregate left in the plan and no byte read, even over thousands of files.
 */
class AggregatePushdownTest {
  private static final int ROWS = 6000;
  /** About 500 rows per partition: twelve partitions, the first three with NaT only in column ts. */
  private static final String SPLIT = "44500";
  private static final int MANY_FILES = 2000;

  @TempDir
  static Path dir;

  @BeforeAll
  static void writeFiles() {
    Python.run(String.join("\n",
        "d = " + Python.literal(dir) + " + '/'",
        "n = " + ROWS,
        "rng = np.random.default_rng(7)",
        "dt = [('i1','i1'),('i2','<i2'),('i4','<i4'),('i8','<i8'),('u1','u1'),('u2','<u2'),('u4','<u4'),",
        "      ('u8','<u8'),('f2','<f2'),('f4','<f4'),('f8','<f8'),('b','?'),('bi4','>i4'),('bf8','>f8'),",
        "      ('ts','<M8[ns]'),('day','<M8[D]'),('td','>m8[us]'),('sec','<M8[s]')]",
        "a = np.zeros(n, dt)",
        "for name, t in [('i1','i1'),('i2','i2'),('i4','i4'),('u1','u1'),('u2','u2'),('u4','u4'),('bi4','i4')]:",
        "    info = np.iinfo(t)",
        "    a[name] = rng.integers(info.min, info.max, n, endpoint=True, dtype=t)",
        "a['i8'] = rng.integers(-2**40, 2**40, n)",
        "a['u8'] = rng.integers(0, 2**64 - 1, n, dtype=np.uint64, endpoint=True)",
        "for name in ['f2', 'f4', 'f8', 'bf8']:",
        "    a[name] = rng.standard_normal(n) * 1000",
        "a['f4'][[3, 2500]] = np.nan; a['f4'][10] = np.inf; a['f4'][11] = -np.inf",
        "a['f8'][[100, 101]] = [0.0, -0.0]; a['f8'][5999] = np.nan",
        "a['f2'][[7]] = np.nan",
        "a['bf8'][:] = np.where(a['bf8'] > 0, 0.0, -0.0)",
        "a['b'] = rng.integers(0, 2, n)",
        "a['ts'] = rng.integers(-10**18, 10**18, n).astype('M8[ns]'); a['ts'][:1500] = np.datetime64('NaT')",
        "a['ts'][[2000, 4000]] = np.datetime64('NaT')",
        "a['day'] = rng.integers(-10**5, 10**5, n).astype('M8[D]')",
        "a['td'] = rng.integers(-10**12, 10**12, n).astype('m8[us]'); a['td'][::7] = np.timedelta64('NaT')",
        "a['sec'] = rng.integers(0, 2 * 10**9, n).astype('M8[s]')",
        "np.save(d + 'all.npy', a)",
        "import os",
        "os.mkdir(d + 'parts')",
        "for i, m in enumerate([1000, 0, 1, 2345]):",
        "    np.save(d + 'parts/p%d.npy' % i, a['f4'][:m].copy())",
        "w = (rng.standard_normal((n, 6)) * 1000).astype('<f4')",
        "w[17, 1] = np.nan; w[18, 2] = np.inf; w[19, 2] = -np.inf; w[:, 3] = -0.0; w[4097, 4] = 3e38",
        "np.save(d + 'wide.npy', w)",
        "m = np.asfortranarray(rng.standard_normal((4000, 6)))",
        "m[5, 2] = np.nan",
        "np.save(d + 'fortran.npy', m)",
        "big = np.array([2**62, 2**62, 2**62, -5], '<i8')",
        "np.save(d + 'overflow.npy', big)",
        "os.mkdir(d + 'many')",
        "for i in range(" + MANY_FILES + "):",
        "    np.save(d + 'many/a%05d.npy' % i, np.arange(i % 7, dtype='<f8'))",
        ""));
  }

  private static Dataset<Row> read(String file, boolean pushDown, String... options) {
    var reader = SparkTestSession.get().read().format("npy").option("maxPartitionBytes", SPLIT)
        .option("pushDownAggregates", Boolean.toString(pushDown));
    for (int i = 0; i < options.length; i += 2) {
      reader = reader.option(options[i], options[i + 1]);
    }
    return reader.load(dir.resolve(file).toString());
  }

  @Test
  void everyTypeAggregatesAsSparkDoes() {
    List<String> aggregates = new ArrayList<>(List.of("min(i8)", "max(i8)", "sum(i8)", "count(i8)", "count(*)"));
    for (String c : List.of("i1", "i2", "i4", "u1", "u2", "u4", "f2", "f4", "f8", "bi4", "bf8")) {
      aggregates.addAll(List.of("min(" + c + ")", "max(" + c + ")", "sum(" + c + ")", "count(" + c + ")",
          "avg(" + c + ")"));
    }
    for (String c : List.of("u8", "b", "ts", "day", "td")) {
      aggregates.addAll(List.of("min(" + c + ")", "max(" + c + ")", "count(" + c + ")"));
    }
    compare("all.npy", true, aggregates.toArray(new String[0]));
    compare("all.npy", true, new String[] {"datetimeAsLong", "true"}, "min(sec)", "max(sec)", "sum(sec)",
        "count(sec)", "min(ts)", "max(ts)", "count(ts)");
  }

  @Test
  void emptyPartitionsAndSelectionsGiveNulls() {
    // Three partitions hold NaT only: their partial min and max of ts are null.
    compare("all.npy", true, "min(ts)", "max(ts)", "count(ts)", "min(_row_index)", "max(_row_index)");
    Dataset<Row> empty = read("all.npy", true).where("_row_index < 0").selectExpr("count(*)", "min(f8)",
        "sum(f8)", "count(f8)", "sum(i4)");
    Row none = empty.collectAsList().get(0);
    assertEquals(0L, none.getLong(0));
    assertTrue(none.isNullAt(1) && none.isNullAt(2) && none.isNullAt(4));
    assertEquals(0L, none.getLong(3));
    compareWhere("_row_index < 0", "min(f8)", "max(i2)", "sum(i4)", "avg(f4)", "count(f8)");
    compareWhere("_row_index BETWEEN 1400 AND 1600 OR _row_index IN (3, 5999)", "min(f4)", "max(f4)",
        "sum(f4)", "count(ts)", "min(ts)", "avg(u4)");
  }

  @Test
  void groupsByFileAreComputedPerFile() {
    compare("parts", true, "_file", "min(value)", "max(value)", "sum(value)", "count(*)", "avg(value)");
    Dataset<Row> counts = read("parts", true).groupBy("_file").count();
    assertTrue(answeredAtPlanning(counts), "counts per file come from the headers: " + description(counts));
    List<String> rows = new ArrayList<>();
    for (Row row : counts.collectAsList()) {
      rows.add(row.getString(0).replaceAll(".*/", "") + "=" + row.getLong(1));
    }
    rows.sort(null);
    assertEquals(List.of("p0.npy=1000", "p2.npy=1", "p3.npy=2345"), rows);
    Dataset<Row> byValue = read("parts", true).groupBy("value").count();
    assertEquals(read("parts", false).groupBy("value").count().count(), byValue.count());
    assertFalse(description(byValue).contains("NpyAggregateScan"), "other groupings are left to Spark");
  }

  /** A query SUM / COUNT in longs would answer differently from Spark's AVG in doubles is left to Spark. */
  @Test
  void averagesThatDoublesWouldRoundAreNotPushed() {
    Dataset<Row> avg = compare("all.npy", false, "avg(i8)", "sum(i8)");
    assertTrue(QueryPlans.contains(avg, BaseAggregateExec.class));
    Dataset<Row> sums = compare("all.npy", true, "sum(i8)", "avg(i4)");
    assertTrue(description(sums).contains("SUM(i8)"), description(sums));
    compare("all.npy", false, "sum(u8)", "avg(u8)"); // decimal sums are left to Spark
  }

  @Test
  void overflowingSumsFailAsSparksOwnUnderAnsiModeAndWrapOtherwise() {
    SparkSession spark = SparkTestSession.get();
    String before = spark.conf().get("spark.sql.ansi.enabled");
    try {
      spark.conf().set("spark.sql.ansi.enabled", "true");
      for (boolean pushDown : new boolean[] {true, false}) {
        Dataset<Row> df = read("overflow.npy", pushDown).selectExpr("sum(value)");
        Exception e = assertThrows(Exception.class, df::collectAsList);
        assertTrue(String.valueOf(rootMessage(e)).contains("ARITHMETIC_OVERFLOW"), pushDown + ": " + rootMessage(e));
      }
      spark.conf().set("spark.sql.ansi.enabled", "false");
      compare("overflow.npy", true, "sum(value)", "min(value)");
    } finally {
      spark.conf().set("spark.sql.ansi.enabled", before);
    }
  }

  @Test
  void countStarOverThousandsOfFilesReadsOnlyHeaders() {
    Dataset<Row> df = read("many", true).selectExpr("count(*)", "max(_row_index)");
    long expected = 0;
    for (int i = 0; i < MANY_FILES; i++) {
      expected += i % 7;
    }
    Row row = df.collectAsList().get(0);
    assertEquals(expected, row.getLong(0));
    assertEquals(5L, row.getLong(1));
    assertTrue(answeredAtPlanning(df), "no aggregate left and no file read: " + description(df));

    Dataset<Row> some = read("all.npy", true).where("_row_index BETWEEN 1000 AND 1999 OR _row_index = 5")
        .selectExpr("count(*)");
    assertEquals(1001L, some.collectAsList().get(0).getLong(0));
    assertTrue(answeredAtPlanning(some), description(some));
  }

  @Test
  void partialAggregatesReadOnlyTheAggregatedColumnsOfTheSelectedRows() {
    Dataset<Row> df = read("all.npy", true, "layout", "auto").where("_row_index >= 3000")
        .selectExpr("sum(f8)", "count(*)");
    df.collectAsList();
    assertTrue(QueryPlans.scan(df).inputPartitions().size() > 1);
    assertEquals(3000L, QueryPlans.metric(df, "rowsRead"));
    assertTrue(description(df).contains("partial"), description(df));
    long rowBytes = 89;
    assertEquals(3000 * rowBytes, QueryPlans.metric(df, "bytesMapped"));
  }

  @Test
  void sumsOfSeveralFloatColumnsAddUpTogetherAsSparkAddsEachOne() {
    // c0..c4 are summed in groups of up to four (c5, with a maximum too, on its own), in partitions of more rows
    // than a block: still each column in row order from 0.0, NaN, infinities and -0.0 included
    String[] options = {"layout", "columns", "maxPartitionBytes", "100000"};
    compare("wide.npy", true, options, "sum(c0)", "sum(c1)", "sum(c2)", "sum(c3)", "sum(c4)", "sum(c5)",
        "max(c5)", "avg(c2)", "count(*)");
    compare("wide.npy", true, options, "sum(c5)", "sum(c3)", "sum(c4)");
  }

  @Test
  void aggregatesOverOnePartitionAreTheAnswerWithNoAggregateLeftToSpark() {
    String[] onePartition = {"maxPartitionBytes", "1g"};
    Dataset<Row> df = compare("all.npy", true, onePartition, "min(f4)", "max(i8)", "sum(f8)", "sum(i4)",
        "count(ts)", "max(day)", "count(*)");
    assertTrue(description(df).contains("(complete, one partition)"), description(df));
    assertFalse(QueryPlans.contains(df, BaseAggregateExec.class), "the one partition's aggregates are the answer: " + description(df));
    Dataset<Row> byFile = compare("all.npy", true, onePartition, "_file", "min(f2)", "sum(u4)", "count(*)");
    assertFalse(QueryPlans.contains(byFile, BaseAggregateExec.class), description(byFile));
    Dataset<Row> averaged = compare("all.npy", true, onePartition, "avg(f4)", "avg(i2)", "sum(f4)");
    assertFalse(QueryPlans.contains(averaged, BaseAggregateExec.class), "AVG arrives as SUM and COUNT, which Spark divides: " + description(averaged));

    Dataset<Row> partial = compare("all.npy", true, "sum(f8)", "min(i2)");
    assertTrue(description(partial).contains("(partial, per partition)") && QueryPlans.contains(partial, BaseAggregateExec.class),
        description(partial));
  }

  @Test
  void fortranOrderColumnsMapOnlyTheirOwnSegments() {
    Dataset<Row> df = compare("fortran.npy", true, new String[] {"layout", "columns"}, "min(c2)", "max(c2)",
        "sum(c2)", "avg(c5)", "count(*)");
    assertEquals(2 * 4000 * 8L, QueryPlans.metric(df, "bytesMapped"), "two of six segments mapped");
    compare("fortran.npy", true, new String[] {"layout", "flat"}, "min(value)", "max(value)", "sum(value)");
  }

  private static Dataset<Row> compare(String file, boolean pushed, String... aggregates) {
    return compare(file, pushed, new String[0], aggregates);
  }

  private static Dataset<Row> compare(String file, boolean pushed, String[] options, String... aggregates) {
    Dataset<Row> withPushdown = aggregate(read(file, true, options), aggregates);
    Dataset<Row> without = aggregate(read(file, false, options), aggregates);
    assertEquals(sorted(render(without.collectAsList())), sorted(render(withPushdown.collectAsList())),
        String.join(", ", aggregates));
    assertEquals(pushed, description(withPushdown).contains("NpyAggregateScan"),
        String.join(", ", aggregates) + ": " + description(withPushdown));
    assertFalse(description(without).contains("NpyAggregateScan"));
    return withPushdown;
  }

  private static void compareWhere(String where, String... aggregates) {
    Dataset<Row> withPushdown = read("all.npy", true).where(where).selectExpr(aggregates);
    Dataset<Row> without = read("all.npy", false).where(where).selectExpr(aggregates);
    assertEquals(render(without.collectAsList()), render(withPushdown.collectAsList()), where);
    assertTrue(description(withPushdown).contains("NpyAggregateScan"), description(withPushdown));
  }

  private static Dataset<Row> aggregate(Dataset<Row> df, String... aggregates) {
    if (aggregates[0].equals("_file")) {
      String[] rest = java.util.Arrays.copyOfRange(aggregates, 1, aggregates.length);
      return df.groupBy("_file").agg(org.apache.spark.sql.functions.expr(rest[0]),
          java.util.Arrays.stream(rest).skip(1).map(org.apache.spark.sql.functions::expr)
              .toArray(org.apache.spark.sql.Column[]::new));
    }
    return df.selectExpr(aggregates);
  }

  /** Rows as text that tells NaN, -0.0 and 0.0 apart, and types apart, each value named by its column. */
  private static List<String> render(List<Row> rows) {
    List<String> result = new ArrayList<>();
    for (Row row : rows) {
      List<String> values = new ArrayList<>();
      for (int i = 0; i < row.size(); i++) {
        Object v = row.get(i);
        values.add(row.schema().fieldNames()[i] + "=" + (v == null ? "null" : v.getClass().getSimpleName() + ":" + v));
      }
      result.add(String.join(" ", values));
    }
    return result;
  }

  private static List<String> sorted(List<String> values) {
    List<String> copy = new ArrayList<>(values);
    copy.sort(null);
    return copy;
  }

  private static String description(Dataset<Row> df) {
    return df.queryExecution().executedPlan().toString();
  }

  /** Whether the answer was computed at planning: the plan is local rows, with no scan and no aggregate left. */
  private static boolean answeredAtPlanning(Dataset<Row> df) {
    return QueryPlans.contains(df, LocalTableScanExec.class) && !QueryPlans.contains(df, BatchScanExec.class)
        && !QueryPlans.contains(df, BaseAggregateExec.class);
  }

  private static String rootMessage(Throwable e) {
    StringBuilder sb = new StringBuilder();
    for (Throwable t = e; t != null; t = t.getCause()) {
      sb.append(t.getMessage()).append(" / ");
    }
    return sb.toString();
  }
}
