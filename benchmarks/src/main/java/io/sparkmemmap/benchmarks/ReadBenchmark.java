package io.sparkmemmap.benchmarks;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.explode;
import static org.apache.spark.sql.functions.sum;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.execution.LocalTableScanExec;
import org.apache.spark.sql.execution.SparkPlan;

/**
 * Reading the benchmark array on {@code local[2]}: the sums of its 16 columns against Spark's Parquet reader on the
 * same values, the sum of every element of the array column against Parquet's array column, and {@code count(*)}
 * and a {@code _row_index} range against a full scan.
 */
final class ReadBenchmark implements BenchmarkSuite {
  static final String PARQUET_SUMS = "Parquet (uncompressed), 16 columns";
  static final String NPY_SUMS = "npy layout=columns, aggregates computed in the scan";
  static final String NPY_SUMS_IN_SPARK = "npy layout=columns, pushDownAggregates=false (Spark aggregates)";
  static final String PARQUET_ELEMENTS = "Parquet (uncompressed), value array<float>";
  static final String NPY_ELEMENTS = "npy, value array<float>";
  static final String FULL_SCAN = "full scan: every value of c0..c15 into Spark (noop write)";
  static final String COUNT = "count(*): df.count()";
  static final String SPARK_COUNT = "for reference, Spark counting one generated row: spark.range(1).count()";
  static final String SPARK_NO_JOB = "for reference, Spark collecting one local row (no job): VALUES (1L)";
  static final String RANGE = "_row_index range of 0.1% of the rows, c0..c15 (noop write)";

  @Override
  public Report run(BenchmarkConfig config) throws Exception {
    Report report = new Report(name());
    SparkSession spark = BenchmarkSession.start("local[2]");
    try {
      BenchmarkData.Array data = BenchmarkData.writeNpy(config.dataDir().resolve("read.npy"), config.rows());
      Path parquetColumns = config.dataDir().resolve("read-columns.parquet");
      Path parquetArray = config.dataDir().resolve("read-array.parquet");
      BenchmarkData.writeParquetColumns(spark, data.file(), parquetColumns);
      BenchmarkData.writeParquetArray(spark, data.file(), parquetArray);
      report.context("Data: " + config.describeData() + " in one .npy; the same values as uncompressed Parquet, as "
          + "16 float columns and as one array<float> column; written by the benchmark, page cache hot")
          .context("Spark master: local[2], Spark's default settings");

      Dataset<Row> npyColumns = spark.read().format("npy").option("layout", "columns").load(data.file().toString());
      Dataset<Row> npyColumnsInSpark = spark.read().format("npy").option("layout", "columns")
          .option("pushDownAggregates", "false").load(data.file().toString());
      Dataset<Row> parquet = spark.read().parquet(parquetColumns.toString());
      report.add(columnSums(npyColumns, npyColumnsInSpark, parquet, data).run(config.warmup(),
          config.iterations()));

      Dataset<Row> npyArray = spark.read().format("npy").load(data.file().toString());
      Dataset<Row> parquetArrays = spark.read().parquet(parquetArray.toString());
      report.add(elementSum(npyArray, parquetArrays, data).run(config.warmup(), config.iterations()));

      report.add(countAndRange(npyColumns, data.rows()).run(config.warmup(), config.iterations()));
      return report;
    } finally {
      spark.stop();
    }
  }

  static Benchmark columnSums(Dataset<Row> npy, Dataset<Row> npyInSpark, Dataset<Row> parquet,
      BenchmarkData.Array data) {
    List<Row> expected = List.of(RowFactory.create(Arrays.stream(data.columnSums()).boxed().toArray()));
    String scan = Plans.requireScan(sumsOf(npy), "NpyAggregateScan", "aggregates=[SUM(c0), SUM(c1)");
    return new Benchmark("sum of all 16 columns: SELECT sum(c0), ..., sum(c15), " + data.rows() + " rows")
        .addCase(PARQUET_SUMS, null, () -> requireAnswer(sumAll(parquet), expected))
        .addCase(NPY_SUMS, Benchmark.Target.fasterBy(2.5), () -> sumAll(npy))
        .addCase(NPY_SUMS_IN_SPARK, null, () -> sumAll(npyInSpark))
        .note("npy plan: " + scan);
  }

  static Benchmark elementSum(Dataset<Row> npy, Dataset<Row> parquet, BenchmarkData.Array data) {
    List<Row> expected = List.of(RowFactory.create(data.totalSum()));
    return new Benchmark("sum of every element of the array column: SELECT sum(v) FROM t LATERAL VIEW "
        + "explode(value) AS v, " + data.rows() + " rows of 16")
        .addCase(PARQUET_ELEMENTS, null, () -> requireAnswer(sumElements(parquet), expected))
        .addCase(NPY_ELEMENTS, Benchmark.Target.fasterBy(3), () -> sumElements(npy));
  }

  static Benchmark countAndRange(Dataset<Row> npy, long rows) {
    long from = rows / 2;
    long to = from + Math.max(1, rows / 1000);
    requireAnsweredAtPlanning(npy.agg(count("*")));
    requireAnsweredAtPlanning(constantQuery(npy.sparkSession()));
    String rangeScan = Plans.requireScan(range(npy, from, to), "NpyScan", "rows=[" + from + ", " + to + ")");
    requireRows(range(npy, from, to), from, to);
    return new Benchmark("count(*) and a _row_index range against a full scan, " + rows + " rows")
        .addCase(FULL_SCAN, null, () -> Plans.noop(npy))
        .addCase(COUNT, Benchmark.Target.atMost("<= 1% of a full scan", 0.01),
            () -> requireCount(npy.count(), rows))
        .addCase(RANGE, Benchmark.Target.atMost("<= 5% of a full scan", 0.05),
            () -> Plans.noop(range(npy, from, to)))
        .addCase(SPARK_COUNT, null, () -> requireCount(npy.sparkSession().range(1).count(), 1))
        .addCase(SPARK_NO_JOB, null,
            () -> requireCount(constantQuery(npy.sparkSession()).collectAsList().size(), 1))
        .answersNotCompared() // rows, not values: the range's rows are checked above, the count against rows
        .note("count(*) plan: a LocalTableScan of the count the header gives; no file opened, no Spark job")
        .note("range plan: " + rangeScan + " (" + (to - from) + " rows)");
  }

  /** Spark's floor for a query: one it plans as local rows and collects without a job, like our count(*). */
  private static Dataset<Row> constantQuery(SparkSession spark) {
    return spark.sql("SELECT * FROM VALUES (1L) AS t(one)");
  }

  private static Dataset<Row> range(Dataset<Row> df, long from, long to) {
    return df.where(col("_row_index").geq(from).and(col("_row_index").lt(to)));
  }

  /** Checks that a query is answered at planning: local rows alone, which Spark collects with no job. */
  private static void requireAnsweredAtPlanning(Dataset<Row> query) {
    SparkPlan plan = query.queryExecution().executedPlan();
    if (!(plan instanceof LocalTableScanExec)) {
      throw new IllegalStateException("not answered at planning:\n" + plan);
    }
  }

  private static Column[] sums() {
    Column[] sums = new Column[BenchmarkData.COLUMNS];
    for (int j = 0; j < sums.length; j++) {
      sums[j] = sum("c" + j);
    }
    return sums;
  }

  /** {@code SELECT sum(c0), ..., sum(c15)}. */
  static Dataset<Row> sumsOf(Dataset<Row> df) {
    Column[] sums = sums();
    return df.agg(sums[0], Arrays.copyOfRange(sums, 1, sums.length));
  }

  static List<Row> sumAll(Dataset<Row> df) {
    return sumsOf(df).collectAsList();
  }

  private static List<Row> sumElements(Dataset<Row> df) {
    return df.select(explode(col("value")).as("v")).agg(sum("v")).collectAsList();
  }

  /** Checks that the range reads exactly rows {@code [from, to)} of the array, with their values. */
  private static void requireRows(Dataset<Row> range, long from, long to) {
    List<Row> rows = range.select(col("_row_index"), col("c0"), col("c15")).collectAsList();
    for (int k = 0; k < rows.size(); k++) {
      Row row = rows.get(k);
      long i = row.getLong(0);
      if (i != from + k || row.getFloat(1) != BenchmarkData.value(i, 0) || row.getFloat(2) != BenchmarkData.value(i,
          15)) {
        throw new IllegalStateException("the _row_index range read " + row + " as row " + k + " of [" + from + ", "
            + to + ")");
      }
    }
    if (rows.size() != to - from) {
      throw new IllegalStateException("the _row_index range read " + rows.size() + " rows, not " + (to - from));
    }
  }

  private static long requireCount(long count, long rows) {
    if (count != rows) {
      throw new IllegalStateException("counted " + count + " rows, not " + rows);
    }
    return count;
  }

  /** An answer, checked against what the data gives (the sums computed while it was written). */
  static <T> T requireAnswer(T answer, T expected) {
    if (!answer.equals(expected)) {
      throw new IllegalStateException("answered " + answer + ", but the data gives " + expected);
    }
    return answer;
  }

}
