package io.sparkmemmap.benchmarks;

import static io.sparkmemmap.benchmarks.ReadBenchmark.requireAnswer;
import static io.sparkmemmap.benchmarks.ReadBenchmark.sumsOf;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.sum;

import io.sparkmemmap.it.harness.S3Server;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.metadata.BlockMetaData;
import org.apache.parquet.hadoop.util.HadoopInputFile;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;

/**
 * Reading the benchmark array from a real S3 server on 127.0.0.1 (S3Proxy over its filesystem backend, started by
 * {@link S3Server} as the integration tests start it) through S3A, on {@code local[2]}, against Spark's Parquet
 * reader on the same values on the same server: the 16 sums, {@code sum(c0)} and a {@code _row_index} range of
 * 0.1% of the rows (Parquet: the same rows by a filter on a row id column); the bytes and requests each query
 * fetches; and planning over {@code bench.s3Objects} small objects of each format, each query in a fresh session.
 */
final class S3ReadBenchmark implements BenchmarkSuite {
  static final String PARQUET_SUMS = "Parquet (uncompressed): 16 sums";
  static final String NPY_SUMS = "npy layout=columns: 16 sums, computed in the scan";
  static final String PARQUET_C0 = "Parquet (uncompressed): sum(c0)";
  static final String NPY_C0 = "npy layout=columns: sum(c0)";
  static final String PARQUET_RANGE = "Parquet: id range (row groups pruned by id statistics), 16 sums";
  static final String NPY_RANGE = "npy: _row_index range, 16 sums";
  static final String PARQUET_SCHEMA = "Parquet: load() + schema, in a fresh session";
  static final String NPY_SCHEMA = "npy: load() + schema, in a fresh session";
  static final String PARQUET_COUNT = "Parquet: count(), in a fresh session";
  static final String NPY_COUNT = "npy: count(), in a fresh session";
  /** Rows of each small object of the planning tables. */
  static final int SMALL_ROWS = 10;

  /** One query of the traffic table: what it asks, of which source, and the query itself. */
  private record Query(String question, String source, boolean connector, Supplier<Dataset<Row>> df,
      Function<Dataset<Row>, Dataset<Row>> query) {}

  @Override
  public Report run(BenchmarkConfig config) throws Exception {
    Report report = new Report(name());
    onS3Server(config.dataDir().resolve("s3"), (s3, spark, local) -> run(config, report, s3, spark, local));
    return report;
  }

  /** What a benchmark measures against the S3 server, with a session on it and a local directory for its files. */
  interface S3Run {
    void run(S3Server s3, SparkSession spark, Path local) throws Exception;
  }

  /**
   * Runs {@code body} against an S3 server started in {@code dir}, with a {@code local[2]} session on it; the server,
   * the session and {@code dir} are gone after it.
   */
  static void onS3Server(Path dir, S3Run body) throws Exception {
    BenchmarkData.delete(dir);
    try (S3Server s3 = S3Server.start(Files.createDirectories(dir.resolve("server")))) {
      SparkSession spark = BenchmarkSession.start("local[2]", s3.sparkConf());
      try {
        body.run(s3, spark, dir.resolve("local"));
      } finally {
        spark.stop();
      }
    }
    BenchmarkData.delete(dir);
  }

  private static void run(BenchmarkConfig config, Report report, S3Server s3, SparkSession spark, Path local)
      throws Exception {
    BenchmarkData.Array data = BenchmarkData.writeNpy(local.resolve("array.npy"), config.rows());
    Path parquetDir = local.resolve("array.parquet");
    writeParquetWithRowId(spark, data.file(), parquetDir);
    String layout = describeParquet(parquetDir);
    long uploadStart = System.nanoTime();
    s3.upload(data.file(), "array.npy");
    for (Path part : parquetParts(parquetDir)) {
      s3.upload(part, "array.parquet/" + part.getFileName());
    }
    double uploadSeconds = (System.nanoTime() - uploadStart) / 1e9;
    int objects = config.s3Objects();
    double copySeconds = writeSmallObjects(spark, s3, local, objects);
    BenchmarkData.delete(local);

    report.context("Data: " + config.describeData() + " in one .npy written by the benchmark (BenchmarkData, large "
            + "write() calls); the same values as uncompressed Parquet with a row id column id = _row_index, "
            + "written by Spark from the .npy: " + layout)
        .context(String.format(Locale.ROOT, "S3 server: S3Proxy 2.6.0, filesystem backend, on 127.0.0.1 in a JVM "
            + "of its own (%s); both uploaded through S3A (copyFromLocalFile) in %.0f s", s3.endpoint(),
            uploadSeconds))
        .context("Spark master: local[2], Spark's default settings, S3A's defaults but for the settings S3Proxy "
            + "needs (path-style access, plain HTTP, static keys); every query, timed or counted, runs with a new "
            + "S3A client (the last one closed before it, untimed), whose analytics stream holds nothing yet")
        .context(String.format(Locale.ROOT, "Planning: %d objects of %d rows of each format (copies of one small "
            + ".npy and one Parquet file, the same %d rows): each uploaded once, then copied with its extended "
            + "attributes inside the backend's directory of the bucket (an object is a file there), %.1f s in all; "
            + "S3A lists and reads them as any object", objects, SMALL_ROWS, SMALL_ROWS, copySeconds));

    String npyUrl = s3.url("array.npy");
    String parquetUrl = s3.url("array.parquet/");
    Dataset<Row> npy = spark.read().format("npy").option("layout", "columns").load(npyUrl);
    Dataset<Row> parquet = spark.read().parquet(parquetUrl).drop("id");
    Dataset<Row> parquetWithId = spark.read().parquet(parquetUrl);
    long from = data.rows() / 2;
    long to = from + Math.max(1, data.rows() / 1000);
    List<Row> sums = rowOf(data.columnSums());
    List<Row> rangeSums = rowOf(rangeSums(from, to));
    double c0 = data.columnSums()[0];
    Benchmark.Warmup warmup = new Benchmark.Warmup(Math.min(1, config.warmup().runs()), 0);
    // Hadoop 3.5's default S3A input stream keeps what it read in the client's memory, and a later query may read
    // it there instead of from the server (sum(c0) took 4.5 s in one run, 0.4 s in the next): every query runs
    // with a new client, so that each reads from the server, as the first query over the data does.
    Benchmark.Step newClient = () -> S3Traffic.client(spark, s3.url("")).close();

    String sumsScan = Plans.requireScan(sumsOf(npy), "NpyAggregateScan", "aggregates=[SUM(c0), SUM(c1)");
    report.add(new Benchmark("16 sums over S3: SELECT sum(c0), ..., sum(c15), " + data.rows() + " rows")
        .addCase(PARQUET_SUMS, null, newClient, () -> requireAnswer(sumsOf(parquet).collectAsList(), sums))
        .addCase(NPY_SUMS, null, newClient, () -> sumsOf(npy).collectAsList())
        .note("npy plan: " + sumsScan)
        .run(warmup, config.iterations()));

    report.add(new Benchmark("one column over S3: SELECT sum(c0), " + data.rows() + " rows")
        .addCase(PARQUET_C0, null, newClient, () -> requireAnswer(sumC0(parquet).first().getDouble(0), c0))
        .addCase(NPY_C0, null, newClient, () -> sumC0(npy).first().getDouble(0))
        .note("a row-major .npy holds c0 in every row: the scan fetches every row's bytes, Parquet c0's column "
            + "chunks alone")
        .run(warmup, config.iterations()));

    String npyRangeScan = Plans.requireScan(range(npy, "_row_index", from, to), "NpyAggregateScan",
        "rows=[" + from + ", " + to + ")");
    String parquetRangeScan = Plans.requireScan(range(parquetWithId, "id", from, to), "FileScan",
        "GreaterThanOrEqual(id," + from + ")");
    report.add(new Benchmark("rows [" + from + ", " + to + "), 0.1% of them, over S3: the 16 sums of the range")
        .addCase(PARQUET_RANGE, null, newClient,
            () -> requireAnswer(range(parquetWithId, "id", from, to).collectAsList(), rangeSums))
        .addCase(NPY_RANGE, null, newClient, () -> range(npy, "_row_index", from, to).collectAsList())
        .note("npy plan: " + npyRangeScan)
        .note("Parquet plan: " + parquetRangeScan.replaceAll("Location: [^,]*, ", ""))
        .run(warmup, config.iterations()));

    String manyNpy = s3.url("many/npy/");
    String manyParquet = s3.url("many/parquet/");
    Benchmark.Warmup planningWarmup = new Benchmark.Warmup(Math.min(1, config.warmup().runs()), 0);
    int planningIterations = Math.min(3, config.iterations());
    report.add(new Benchmark("planning over " + objects + " objects: load() and the schema, each in a fresh "
        + "session (spark.newSession())")
        .addCase(PARQUET_SCHEMA, null, newClient,
            () -> fieldNames(spark.newSession().read().parquet(manyParquet)))
        .addCase(NPY_SCHEMA, null, newClient, () -> fieldNames(npyColumns(spark.newSession(), manyNpy)))
        .run(planningWarmup, planningIterations));
    long smallRows = (long) objects * SMALL_ROWS;
    report.add(new Benchmark("count() over " + objects + " objects of " + SMALL_ROWS + " rows, each in a fresh "
        + "session: listing, every object's header or footer, the count")
        .addCase(PARQUET_COUNT, null, newClient,
            () -> requireAnswer(spark.newSession().read().parquet(manyParquet).count(), smallRows))
        .addCase(NPY_COUNT, null, newClient, () -> npyColumns(spark.newSession(), manyNpy).count())
        .note("npy: planning reads every object's header; count() is answered from the headers, with no job")
        .note("Parquet: the listing on the driver, then a job whose tasks read every object's footer")
        .run(planningWarmup, planningIterations));

    String many = "load + count(), " + objects + " objects";
    List<Query> queries = List.of(
        new Query("16 sums", "Parquet", false, () -> parquet, ReadBenchmark::sumsOf),
        new Query("16 sums", "npy", true, () -> npy, ReadBenchmark::sumsOf),
        new Query("sum(c0)", "Parquet", false, () -> parquet, S3ReadBenchmark::sumC0),
        new Query("sum(c0)", "npy", true, () -> npy, S3ReadBenchmark::sumC0),
        new Query("0.1% range, 16 sums", "Parquet", false, () -> parquetWithId, df -> range(df, "id", from, to)),
        new Query("0.1% range, 16 sums", "npy", true, () -> npy, df -> range(df, "_row_index", from, to)),
        new Query(many, "Parquet", false, () -> spark.read().parquet(manyParquet), S3ReadBenchmark::count),
        new Query(many, "npy", false, () -> npyColumns(spark, manyNpy), S3ReadBenchmark::count));
    report.add(traffic(spark, s3, queries), Map.of());
  }

  /** The array as uncompressed Parquet with its row index as column {@code id}, in Spark's default layout. */
  private static void writeParquetWithRowId(SparkSession spark, Path npy, Path dir) {
    List<String> columns = new ArrayList<>(List.of("_row_index AS id"));
    for (int j = 0; j < BenchmarkData.COLUMNS; j++) {
      columns.add("c" + j);
    }
    spark.read().format("npy").option("layout", "columns").load(npy.toString())
        .selectExpr(columns.toArray(String[]::new))
        .write().mode("overwrite").option("compression", "none").parquet(dir.toString());
  }

  static List<Path> parquetParts(Path dir) throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      return files.filter(f -> f.getFileName().toString().endsWith(".parquet")).sorted().toList();
    }
  }

  /** Files, row groups and their size, from the footers. */
  private static String describeParquet(Path dir) throws IOException {
    List<Path> parts = parquetParts(dir);
    int rowGroups = 0;
    long largest = 0;
    long bytes = 0;
    for (Path part : parts) {
      bytes += Files.size(part);
      try (ParquetFileReader reader = ParquetFileReader.open(HadoopInputFile.fromPath(
          new org.apache.hadoop.fs.Path(part.toUri()), new Configuration()))) {
        for (BlockMetaData block : reader.getFooter().getBlocks()) {
          rowGroups++;
          largest = Math.max(largest, block.getTotalByteSize());
        }
      }
    }
    return parts.size() + " files, " + Report.bytes(bytes) + ", " + rowGroups + " row groups of up to "
        + Report.bytes(largest) + " (Parquet's default row group size and page size)";
  }

  /**
   * {@code objects} objects of each format, copies of one small {@code .npy} and one Parquet file of the same rows:
   * each uploaded once through S3A, then copied with its extended attributes (where S3Proxy's filesystem backend
   * keeps an object's ETag and content type) inside the directory the backend keeps the bucket in, where an object
   * is a file: far faster than as many PUTs. Returns the seconds the uploads and copies took.
   */
  private static double writeSmallObjects(SparkSession spark, S3Server s3, Path local, int objects)
      throws IOException {
    Path npy = BenchmarkData.writeNpy(local.resolve("small.npy"), SMALL_ROWS).file();
    Path parquetDir = local.resolve("small.parquet");
    BenchmarkData.writeParquetColumns(spark, npy, parquetDir);
    List<Path> parquetParts = parquetParts(parquetDir);
    if (parquetParts.size() != 1) {
      throw new IllegalStateException("expected one Parquet file of " + SMALL_ROWS + " rows, not " + parquetParts);
    }
    long start = System.nanoTime();
    copies(s3, npy, "many/npy/", ".npy", objects);
    copies(s3, parquetParts.get(0), "many/parquet/", ".parquet", objects);
    return (System.nanoTime() - start) / 1e9;
  }

  static void copies(S3Server s3, Path file, String prefix, String suffix, int count) throws IOException {
    String first = prefix + name(0, suffix);
    s3.upload(file, first);
    Path uploaded = s3.storage().resolve(S3Server.BUCKET).resolve(first);
    for (int i = 1; i < count; i++) {
      Files.copy(uploaded, uploaded.resolveSibling(name(i, suffix)), StandardCopyOption.COPY_ATTRIBUTES);
    }
  }

  private static String name(int i, String suffix) {
    return String.format(Locale.ROOT, "part-%05d%s", i, suffix);
  }

  /**
   * One run of each query after the timed ones, each with a new S3A client as the timed runs: the bytes the server
   * sent and what S3A counted while it ran (planning included, loading the DataFrame only where the question says
   * so), and the connector's scan metrics.
   */
  private static String traffic(SparkSession spark, S3Server s3, List<Query> queries) throws IOException {
    String bucketUrl = s3.url("");
    StringBuilder sb = new StringBuilder("Fetched from the S3 server per query: one run of each after the timed "
        + "ones, each with a new S3A client. Bytes served: what the server's process wrote meanwhile (wchar of "
        + "/proc/<pid>/io),\nthe responses' bytes; from S3A's statistics: bytes its streams handed to the readers "
        + "(stream_read_bytes; vectored reads are not counted), streams opened, HEAD and LIST requests;\nfor npy "
        + "also the scan's own metrics bytesFetched and fetchRequests (GETs)\n");
    sb.append(String.format(Locale.ROOT, "%-32s %-8s %13s %10s %10s %13s %8s %6s %6s %13s %9s%n", "Query",
        "Source", "bytes served", "", "/Parquet's", "S3A read", "streams", "HEADs", "LISTs", "bytesFetched",
        "requests"));
    Map<String, Long> parquetServed = new HashMap<>();
    for (Query q : queries) {
      S3Traffic.client(spark, bucketUrl).close();
      S3Traffic before = S3Traffic.of(spark, bucketUrl, s3.pid());
      Dataset<Row> df = q.query().apply(q.df().get());
      df.collectAsList();
      S3Traffic read = S3Traffic.of(spark, bucketUrl, s3.pid()).since(before);
      if (!q.connector() && q.source().equals("Parquet")) {
        parquetServed.put(q.question(), read.bytesServed());
      }
      Long parquet = parquetServed.get(q.question());
      sb.append(String.format(Locale.ROOT, "%-32s %-8s %13d %10s %10s %13d %8d %6d %6d %13s %9s%n", q.question(),
          q.source(), read.bytesServed(), Report.bytes(read.bytesServed()),
          parquet == null ? "" : String.format(Locale.ROOT, "%.3fX", read.bytesServed() / (double) parquet),
          read.bytesRead(), read.streamsOpened(), read.heads(), read.lists(),
          q.connector() ? Long.toString(Plans.scanMetric(df, "bytesFetched")) : "",
          q.connector() ? Long.toString(Plans.scanMetric(df, "fetchRequests")) : ""));
    }
    return sb.toString();
  }

  private static Dataset<Row> npyColumns(SparkSession spark, String url) {
    return spark.read().format("npy").option("layout", "columns").load(url);
  }

  private static List<String> fieldNames(Dataset<Row> df) {
    return List.of(df.schema().fieldNames());
  }

  private static Dataset<Row> sumC0(Dataset<Row> df) {
    return df.agg(sum("c0"));
  }

  private static Dataset<Row> count(Dataset<Row> df) {
    return df.groupBy().count();
  }

  /** The 16 sums of rows {@code [from, to)}, selected by {@code index}. */
  private static Dataset<Row> range(Dataset<Row> df, String index, long from, long to) {
    return sumsOf(df.where(col(index).geq(from).and(col(index).lt(to))));
  }

  /** The exact 16 sums of rows {@code [from, to)} of the benchmark array. */
  private static double[] rangeSums(long from, long to) {
    double[] sums = new double[BenchmarkData.COLUMNS];
    for (long i = from; i < to; i++) {
      for (int j = 0; j < sums.length; j++) {
        sums[j] += BenchmarkData.value(i, j);
      }
    }
    return sums;
  }

  private static List<Row> rowOf(double[] values) {
    return List.of(RowFactory.create(Arrays.stream(values).boxed().toArray()));
  }
}
