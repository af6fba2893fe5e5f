package io.sparkmemmap.benchmarks;

import static io.sparkmemmap.benchmarks.ReadBenchmark.requireAnswer;
import static io.sparkmemmap.benchmarks.ReadBenchmark.sumAll;
import static io.sparkmemmap.benchmarks.ReadBenchmark.sumsOf;
import static org.apache.spark.sql.functions.sum;

import com.fasterxml.jackson.databind.JsonNode;
import io.sparkmemmap.format.NpyHeader;
import io.sparkmemmap.format.NumpyDescr;
import io.sparkmemmap.format.Shape;
import io.sparkmemmap.read.KeptMappings;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;

/**
 * What a user meets reading a GiB on {@code local[2]}, against Spark's Parquet reader on the same values and NumPy
 * on the same file: files written three ways (through a mapping by NumPy's {@code open_memmap}, by {@code np.save},
 * by this connector), each read the first time right after it was written and again and again in a long session;
 * a full scan; {@code sum(c0)} against Parquet's and against NumPy over a mapping it already faulted in; and, where
 * the page cache can be dropped (as root), the sums read from disk against a plain read of the file's bytes.
 *
 * <p>The page cache decides much of a read's speed, and how a file's pages came into it is invisible to the user:
 * a file written through a mapping is held in 4 KiB pages, one written with large {@code write()} calls in large
 * folios, and a host may reclaim a file's pages in the background. So the whole benchmark runs in
 * {@code bench.jvmRuns} (3) JVMs of their own, one after the other, and the results give each case's median over
 * the runs with their spread, beside each run's own table.
 */
final class ReadPathBenchmark implements BenchmarkSuite {
  static final String CHILD = "read-path-run";
  static final String RESULT_LINE = "READ-PATH-RESULT\t";
  /** The line after which a run prints its tables. */
  static final String TABLES = "READ-PATH-TABLES";

  static final String PARQUET_SUMS = "Parquet (uncompressed): 16 sums";
  static final String FIRST_MMAP = "npy: 16 sums, first read after NumPy wrote it through a mapping (open_memmap)";
  static final String FIRST_SAVE = "npy: 16 sums, first read after np.save wrote it";
  static final String FIRST_CONNECTOR = "npy: 16 sums, first read after this connector wrote it";
  static final String AGAIN_MMAP = "npy: 16 sums, read again, file written through a mapping (open_memmap)";
  static final String AGAIN_SAVE = "npy: 16 sums, read again, file written by np.save";
  static final String AGAIN_CONNECTOR = "npy: 16 sums, read again, file written by this connector";
  static final String PARQUET_SCAN = "Parquet (uncompressed): every value of c0..c15 into Spark (noop write)";
  static final String NPY_SCAN = "npy: every value of c0..c15 into Spark (noop write)";
  static final String PARQUET_C0 = "Parquet (uncompressed): sum(c0)";
  static final String NPY_C0 = "npy: sum(c0)";
  static final String NUMPY_C0 = "NumPy: a[:, 0].sum() over a mapping it already faulted in, one thread";
  static final String PLAIN_READ = "plain read() of the file's bytes, 1 MiB a call, one thread";
  static final String COLD_NPY = "npy: 16 sums";
  static final String COLD_PARQUET = "Parquet (uncompressed): 16 sums";
  static final String SPARK_FLOOR = "npy: the same 16 sums over a file of one row (Spark's own cost of the query)";

  private static final String NUMPY_SCRIPT = String.join("\n",
      "import json, sys, time",
      "import numpy as np",
      "mapped = {}",
      "for line in sys.stdin:",
      "    cmd = json.loads(line)",
      "    op = cmd['op']",
      "    if op == 'open_memmap':",
      "        src = np.load(cmd['src'], mmap_mode='r')",
      "        dst = np.lib.format.open_memmap(cmd['dst'], mode='w+', dtype=src.dtype, shape=src.shape)",
      "        step = 1 << 20",
      "        for i in range(0, src.shape[0], step):",
      "            dst[i:i + step] = src[i:i + step]",
      "        dst.flush()",
      "        del dst",
      "        print(json.dumps({'done': True}), flush=True)",
      "    elif op == 'save':",
      "        np.save(cmd['dst'], np.load(cmd['src']))",
      "        print(json.dumps({'done': True}), flush=True)",
      "    elif op == 'sum_c0':",
      "        a = mapped.get(cmd['path'])",
      "        if a is None:",
      "            a = mapped[cmd['path']] = np.load(cmd['path'], mmap_mode='r')",
      "            a[:, 0].sum()",
      "        start = time.perf_counter()",
      "        answer = a[:, 0].sum()",
      "        millis = (time.perf_counter() - start) * 1000",
      "        print(json.dumps({'millis': millis, 'answer': float(answer), 'numpy': np.__version__}), flush=True)",
      "    elif op == 'unmap':",
      "        mapped.clear()",
      "        a = None",
      "        print(json.dumps({'done': True}), flush=True)",
      "");

  @Override
  public Report run(BenchmarkConfig config) throws Exception {
    Report report = new Report(name());
    List<List<Benchmark.Result>> runs = new ArrayList<>();
    for (int run = 1; run <= config.jvmRuns(); run++) {
      List<String> lines = runInChildJvm(config, run);
      List<String> tables = lines.subList(lines.indexOf(TABLES) + 1, lines.size()).stream()
          .filter(l -> !l.startsWith(RESULT_LINE)).toList();
      report.add("JVM run " + run + " of " + config.jvmRuns() + ":\n" + String.join("\n", tables) + "\n",
          Map.of());
      runs.add(parseResults(lines));
    }
    report.context("Data: " + config.describeData() + "; the same values as uncompressed Parquet, 16 float columns")
        .context("Spark master: local[2], Spark's default settings; each run a JVM of its own, one after another")
        .context("Files: the benchmark writes the values once with large write() calls, then NumPy copies them "
            + "into a file through a mapping (np.lib.format.open_memmap, as np.memmap(mode='w+') writes) and "
            + "with np.save, and this connector writes them with singleFile; 'first read' cases rewrite their "
            + "file before each run, untimed");
    report.add(summary(runs), targetsOf(runs));
    return report;
  }

  private List<String> runInChildJvm(BenchmarkConfig config, int run) throws IOException, InterruptedException {
    List<String> command = BenchmarkMain.childJvmCommand(List.of("-Dbench."), List.of(
        "-Dbench.rows=" + config.rows(), "-Dbench.warmups=" + config.warmup().runs(),
        "-Dbench.warmupSeconds=" + config.warmup().millis() / 1000.0, "-Dbench.iterations=" + config.iterations(),
        "-Dbench.dataDir=" + config.dataDir()), CHILD);
    ProcessBuilder builder = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT);
    builder.environment().put("SPARK_LOCAL_IP", "127.0.0.1");
    System.out.println("Read path: JVM run " + run);
    Process process = builder.start();
    List<String> lines = new ArrayList<>();
    try (BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(),
        StandardCharsets.UTF_8))) {
      for (String line = out.readLine(); line != null; line = out.readLine()) {
        System.out.println(line);
        lines.add(line);
      }
    }
    if (!process.waitFor(60, TimeUnit.MINUTES) || process.exitValue() != 0) {
      process.destroyForcibly();
      throw new IllegalStateException("JVM run " + run + " of the read path benchmark failed");
    }
    return lines;
  }

  /** One JVM's run: every table, printed, then one line of each case's timings for the parent to merge. */
  static void main(String[] args) throws Exception {
    BenchmarkConfig config = BenchmarkConfig.fromSystemProperties();
    Path dir = config.dataDir().resolve("read-path");
    SparkSession spark = BenchmarkSession.start("local[2]");
    try (NumpyProcess numpy = new NumpyProcess()) {
      BenchmarkData.Array data = BenchmarkData.writeNpy(dir.resolve("written.npy"), config.rows());
      Path mmapFile = dir.resolve("open_memmap.npy");
      Path saveFile = dir.resolve("np_save.npy");
      Path connectorFile = dir.resolve("connector.npy");
      Path parquetDir = dir.resolve("columns.parquet");
      numpy.call("open_memmap", data.file(), mmapFile);
      numpy.call("save", data.file(), saveFile);
      writeWithConnector(spark, data.file(), connectorFile);
      BenchmarkData.writeParquetColumns(spark, data.file(), parquetDir);
      Dataset<Row> parquet = spark.read().parquet(parquetDir.toString());
      Dataset<Row> mmap = npy(spark, mmapFile);
      Dataset<Row> save = npy(spark, saveFile);
      Dataset<Row> connector = npy(spark, connectorFile);
      List<Row> expected = List.of(RowFactory.create(Arrays.stream(data.columnSums()).boxed().toArray()));
      Plans.requireScan(sumsOf(save), "NpyAggregateScan", "aggregates=[SUM(c0), SUM(c1)");
      List<Benchmark.Result> results = new ArrayList<>();

      results.add(new Benchmark("16 pushed sums, the first read of a file just written, " + data.rows() + " rows")
          .addCase(PARQUET_SUMS, null, () -> requireAnswer(sumAll(parquet), expected))
          .addCase(FIRST_MMAP, Benchmark.Target.fasterBy(4), () -> numpy.call("open_memmap", data.file(),
              mmapFile), () -> sumAll(mmap))
          .addCase(FIRST_SAVE, null, () -> numpy.call("save", data.file(), saveFile), () -> sumAll(save))
          .addCase(FIRST_CONNECTOR, null, () -> writeWithConnector(spark, data.file(), connectorFile),
              () -> sumAll(connector))
          .note("each npy iteration reads a file its writer rewrote just before (untimed)")
          .run(config.warmup(), config.iterations()));

      results.add(new Benchmark("16 pushed sums, read again and again in one session, " + data.rows() + " rows")
          .addCase(PARQUET_SUMS, null, () -> requireAnswer(sumAll(parquet), expected))
          .addCase(AGAIN_MMAP, Benchmark.Target.fasterBy(5), () -> sumAll(mmap))
          .addCase(AGAIN_SAVE, Benchmark.Target.fasterBy(5), () -> sumAll(save))
          .addCase(AGAIN_CONNECTOR, Benchmark.Target.fasterBy(5), () -> sumAll(connector))
          .run(config.warmup(), config.iterations()).withNote(resources(dir)));

      results.add(new Benchmark("full scan, " + data.rows() + " rows")
          .addCase(PARQUET_SCAN, null, () -> Plans.noop(parquet))
          .addCase(NPY_SCAN, Benchmark.Target.fasterBy(2), () -> Plans.noop(save))
          .answersNotCompared()
          .run(config.warmup(), config.iterations()));

      double exactC0 = data.columnSums()[0];
      results.add(new Benchmark("sum(c0) against Parquet's, " + data.rows() + " rows")
          .addCase(PARQUET_C0, null, () -> requireAnswer(sumC0(parquet), exactC0))
          .addCase(NPY_C0, Benchmark.Target.fasterBy(1.5), () -> requireAnswer(sumC0(save), exactC0))
          .run(config.warmup(), config.iterations()));

      // NumPy adds float32 pairwise: off from the exact sum by at most log2(n) roundings of the sum of magnitudes
      double tolerance = Math.max(1, Math.log(data.rows()) / Math.log(2)) * 0x1p-24 * data.rows() * 128;
      results.add(new Benchmark("sum(c0) against NumPy over a mapping it already faulted in, " + data.rows()
          + " rows")
          .addCase(NUMPY_C0, null, () -> numpy.sumC0(saveFile, exactC0, tolerance))
          .addCase(NPY_C0, Benchmark.Target.atMost("<= 2.5x NumPy's time", 2.5),
              () -> requireAnswer(sumC0(save), exactC0))
          .answersNotCompared()
          .run(config.warmup(), config.iterations())
          .withNote("NumPy " + numpy.version() + ": a = np.load(f, mmap_mode='r') once, then a[:, 0].sum() "
              + "(float32, pairwise; within " + String.format(Locale.ROOT, "%.0f", tolerance) + " of the exact "
              + "sum), one thread; Spark on local[2]"));

      if (PageCache.canDrop()) {
        numpy.unmapAll();
        Dataset<Row> oneRow = npy(spark, writeOneRow(dir.resolve("one_row.npy")));
        results.add(new Benchmark("cold page cache: 16 sums read from disk, " + data.rows() + " rows")
            .addCase(PLAIN_READ, null, PageCache::drop, () -> plainRead(saveFile))
            .addCase(COLD_NPY, Benchmark.Target.atMost("<= 1.2x a plain read's time", 1.2), PageCache::drop,
                () -> requireAnswer(sumAll(save), expected))
            .addCase(COLD_PARQUET, null, PageCache::drop, () -> requireAnswer(sumAll(parquet), expected))
            .addCase(SPARK_FLOOR, null, PageCache::drop, () -> sumAll(oneRow))
            .answersNotCompared()
            .note("before each run, untimed: the executor's kept mappings released (NumPy's process unmapped its "
                + "files before the table), sync, then echo 3 > /proc/sys/vm/drop_caches: a mapped page survives "
                + "a drop")
            .run(new Benchmark.Warmup(1, 0), config.iterations()));
      } else {
        System.out.println("cold page cache: skipped, /proc/sys/vm/drop_caches is not writable here (not root)");
      }
      System.out.println(TABLES);
      for (Benchmark.Result result : results) {
        System.out.println(Report.format(result));
        for (Benchmark.CaseResult c : result.cases()) {
          System.out.println(RESULT_LINE + String.join("\t", result.title(), c.name(),
              Arrays.toString(c.millis()), c.target() == null ? "" : c.target().text(),
              c.target() == null ? "" : Double.toString(c.target().minRelative()),
              c.target() == null || c.target().against() == null ? "" : c.target().against()));
        }
      }
    } finally {
      spark.stop();
    }
  }

  /** A (1, 16) float32 {@code .npy} of zeros: what a query over it costs is Spark's part of any such query. */
  private static Path writeOneRow(Path file) throws IOException {
    byte[] header = NpyHeader.encode(NumpyDescr.parse("<f4"), false, Shape.of(1, 16));
    byte[] bytes = Arrays.copyOf(header, header.length + 16 * Float.BYTES);
    Files.write(file, bytes);
    return file;
  }

  private static Dataset<Row> npy(SparkSession spark, Path file) {
    return spark.read().format("npy").option("layout", "columns").load(file.toString());
  }

  private static void writeWithConnector(SparkSession spark, Path source, Path target) {
    spark.read().format("npy").load(source.toString()).write().format("npy").mode("overwrite")
        .option("singleFile", "true").save(target.toString());
  }



  private static double sumC0(Dataset<Row> df) {
    return df.agg(sum("c0")).first().getDouble(0);
  }


  /** Reads the whole file into a reused 1 MiB direct buffer: what the disk and the kernel give one reader. */
  private static long plainRead(Path file) throws IOException {
    ByteBuffer buffer = ByteBuffer.allocateDirect(1 << 20);
    long total = 0;
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
      for (int n = channel.read(buffer); n >= 0; n = channel.read(buffer.clear())) {
        total += n;
      }
    }
    return total;
  }

  /** The JVM's resident set, file descriptors and mappings of the data files, as a note under the table. */
  private static String resources(Path dataDir) {
    Map<String, String> status = new LinkedHashMap<>();
    try {
      for (String line : Files.readAllLines(Paths.get("/proc/self/status"))) {
        for (String key : List.of("VmRSS", "RssAnon", "RssFile")) {
          if (line.startsWith(key + ":")) {
            status.put(key, line.substring(key.length() + 1).trim());
          }
        }
      }
      long fds;
      try (Stream<Path> list = Files.list(Paths.get("/proc/self/fd"))) {
        fds = list.count();
      }
      long mappings = Files.readAllLines(Paths.get("/proc/self/maps")).stream()
          .filter(l -> l.contains(dataDir.toString())).count();
      return "after the runs: resident set " + status + ", " + fds + " file descriptors, " + mappings
          + " mappings of the data files kept";
    } catch (IOException e) {
      return "resources: " + e;
    }
  }

  /** Per case, the median of each run's median, its spread over the runs, and the ratio the target is taken on. */
  private static String summary(List<List<Benchmark.Result>> runs) {
    StringBuilder sb = new StringBuilder("Summary over " + runs.size() + " JVM runs: each case's median time in "
        + "each run, the median of those, and the ratio (baseline / case, from the medians of the runs)\n");
    List<Benchmark.Result> first = runs.get(0);
    for (int t = 0; t < first.size(); t++) {
      Benchmark.Result table = first.get(t);
      sb.append('\n').append(table.title()).append('\n');
      sb.append(String.format(Locale.ROOT, "%-80s %-22s %9s %9s   %-30s %s%n", "", "median of each run, ms",
          "median ms", "Relative", "Target", "Met"));
      double baseline = medianOfRuns(runs, t, table.cases().get(0).name());
      for (Benchmark.CaseResult c : table.cases()) {
        double[] perRun = perRun(runs, t, c.name());
        double median = Benchmark.median(perRun);
        Boolean met = met(runs, t, c);
        sb.append(String.format(Locale.ROOT, "%-80s %-22s %9.0f %8.2fX   %-30s %s%n", c.name(),
            Arrays.stream(perRun).mapToObj(v -> String.format(Locale.ROOT, "%.0f", v)).toList(), median,
            baseline / median, c.target() == null ? "" : c.target().text() + String.format(Locale.ROOT,
                " (%.2fX)", reference(runs, t, c) / median), met == null ? "" : met ? "yes" : "NO"));
      }
    }
    return sb.toString();
  }

  private static Map<String, Boolean> targetsOf(List<List<Benchmark.Result>> runs) {
    Map<String, Boolean> targets = new LinkedHashMap<>();
    List<Benchmark.Result> first = runs.get(0);
    for (int t = 0; t < first.size(); t++) {
      for (Benchmark.CaseResult c : first.get(t).cases()) {
        Boolean met = met(runs, t, c);
        if (met != null) {
          targets.put(first.get(t).title() + ": " + c.name(), met);
        }
      }
    }
    return targets;
  }

  private static Boolean met(List<List<Benchmark.Result>> runs, int table, Benchmark.CaseResult c) {
    if (c.target() == null) {
      return null;
    }
    return reference(runs, table, c) / medianOfRuns(runs, table, c.name()) >= c.target().minRelative();
  }

  private static double reference(List<List<Benchmark.Result>> runs, int table, Benchmark.CaseResult c) {
    String against = c.target().against() != null ? c.target().against()
        : runs.get(0).get(table).cases().get(0).name();
    return medianOfRuns(runs, table, against);
  }

  private static double medianOfRuns(List<List<Benchmark.Result>> runs, int table, String name) {
    return Benchmark.median(perRun(runs, table, name));
  }

  private static double[] perRun(List<List<Benchmark.Result>> runs, int table, String name) {
    return runs.stream().mapToDouble(r -> r.get(table).get(name).median()).toArray();
  }

  /** The tables of one run, from its result lines. */
  private static List<Benchmark.Result> parseResults(List<String> lines) {
    Map<String, List<Benchmark.CaseResult>> tables = new LinkedHashMap<>();
    for (String line : lines) {
      if (!line.startsWith(RESULT_LINE)) {
        continue;
      }
      String[] f = line.substring(RESULT_LINE.length()).split("\t", -1);
      double[] millis = Arrays.stream(f[2].replaceAll("[\\[\\] ]", "").split(","))
          .mapToDouble(Double::parseDouble).toArray();
      Benchmark.Target target = f[3].isEmpty() ? null
          : new Benchmark.Target(f[3], Double.parseDouble(f[4]), f[5].isEmpty() ? null : f[5]);
      tables.computeIfAbsent(f[0], k -> new ArrayList<>())
          .add(new Benchmark.CaseResult(f[1], millis, null, target, Double.NaN, null));
    }
    List<Benchmark.Result> results = new ArrayList<>();
    tables.forEach((title, cases) -> results.add(new Benchmark.Result(title, cases, List.of(), null, 0)));
    return results;
  }

  /** Dropping the page cache: only root can. */
  static final class PageCache {
    private static final Path DROP = Paths.get("/proc/sys/vm/drop_caches");

    private PageCache() {}

    static boolean canDrop() {
      return Files.isWritable(DROP);
    }

    /**
     * Drops every page of the page cache that no process maps: the executor's kept mappings (this JVM's, on
     * {@code local[2]}) are released first, and NumPy's process must have unmapped its files.
     */
    static void drop() throws IOException, InterruptedException {
      KeptMappings.releaseExecutorMappings();
      new ProcessBuilder("sync").inheritIO().start().waitFor();
      Files.writeString(DROP, "3");
    }
  }

  /** The Python process that writes files with NumPy and times NumPy's sum on request. */
  static final class NumpyProcess implements AutoCloseable {
    private final PythonProcess python = new PythonProcess(NUMPY_SCRIPT);
    private String version = "?";

    NumpyProcess() throws IOException {}

    /** Has NumPy write {@code dst} from the values of {@code src}: {@code open_memmap} or {@code save}. */
    Object call(String op, Path src, Path dst) throws IOException {
      return python.request(Map.of("op", op, "src", src.toString(), "dst", dst.toString()));
    }

    /** NumPy's time for the sum of column 0 over its mapping of the file, faulted in before the first. */
    Benchmark.Timed sumC0(Path file, double exact, double tolerance) throws IOException {
      JsonNode answer = python.request(Map.of("op", "sum_c0", "path", file.toString()));
      version = answer.get("numpy").asText();
      double sum = answer.get("answer").asDouble();
      if (Math.abs(sum - exact) > tolerance) {
        throw new IllegalStateException("NumPy's sum of c0 is " + sum + ", not within " + tolerance + " of the "
            + "data's " + exact);
      }
      return new Benchmark.Timed(answer.get("millis").asDouble(), sum);
    }

    String version() {
      return version;
    }

    /** Has NumPy drop its mappings, which would keep their pages in the page cache through a drop. */
    void unmapAll() throws IOException {
      python.request(Map.of("op", "unmap"));
    }

    @Override
    public void close() throws IOException {
      python.close();
    }
  }
}
