package io.sparkmemmap.benchmarks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.junit.jupiter.api.Test;

/**
 * Every benchmark at a tiny size, one iteration, so that the benchmark code keeps working: no timing is asserted,
 * but the answers are. Each benchmark also checks its answers itself (the baselines against the sums computed
 * while writing the data, the cases against the baselines, the written outputs read back) and fails if they
 * disagree.
 */
class BenchmarksTest {
  private static final long ROWS = 4096;
  private static final Path TARGET = Paths.get(System.getProperty("java.io.tmpdir"));
  private static final BenchmarkConfig CONFIG = new BenchmarkConfig(ROWS, new Benchmark.Warmup(0, 0), 1,
      new int[] {1, 2}, TARGET.resolve("smoke-data"), TARGET.resolve("smoke-results"), 1, 12);

  @Test
  void readPathBenchmarkRunsInAJvmOfItsOwnAndSummarizes() throws Exception {
    Report report = run(new ReadPathBenchmark());
    String text = report.text();
    assertTrue(text.contains("JVM run 1 of 1:"), text);
    assertTrue(text.contains("Summary over 1 JVM runs"), text);
    for (String name : List.of(ReadPathBenchmark.FIRST_MMAP, ReadPathBenchmark.AGAIN_CONNECTOR,
        ReadPathBenchmark.NPY_SCAN, ReadPathBenchmark.NUMPY_C0)) {
      assertTrue(text.contains(name), name + " in\n" + text);
    }
    assertTrue(text.contains("file descriptors"), text);
    assertTrue(Files.size(CONFIG.dataDir().resolve("read-path").resolve("open_memmap.npy"))
        == Files.size(CONFIG.dataDir().resolve("read-path").resolve("np_save.npy")), "NumPy wrote both files");
  }

  @Test
  void readBenchmarkAnswersAgreeWithParquet() throws Exception {
    Report report = run(new ReadBenchmark());
    double[] sums = columnSums();
    Benchmark.Result columns = report.tables().get(0);
    List<Row> expected = List.of(RowFactory.create((Object[]) java.util.Arrays.stream(sums).boxed()
        .toArray(Double[]::new)));
    assertEquals(expected, columns.get(ReadBenchmark.PARQUET_SUMS).answer());
    assertEquals(expected, columns.get(ReadBenchmark.NPY_SUMS).answer());
    assertEquals(expected, columns.get(ReadBenchmark.NPY_SUMS_IN_SPARK).answer());

    Benchmark.Result elements = report.tables().get(1);
    List<Row> total = List.of(RowFactory.create(java.util.Arrays.stream(sums).sum()));
    assertEquals(total, elements.get(ReadBenchmark.PARQUET_ELEMENTS).answer());
    assertEquals(total, elements.get(ReadBenchmark.NPY_ELEMENTS).answer());

    Benchmark.Result counts = report.tables().get(2);
    assertEquals(ROWS, counts.get(ReadBenchmark.COUNT).answer());
    assertTrue(report.text().contains("rows=[2048, 2052)"), report.text());
  }

  @Test
  void numpyComparisonGivesTheExactSum() throws Exception {
    Report report = run(new NumpyComparisonBenchmark());
    Benchmark.Result table = report.tables().get(0);
    assertEquals(columnSums()[0], (Double) table.get(NumpyComparisonBenchmark.NPY).answer());
    double numpy = (Double) table.get(NumpyComparisonBenchmark.NUMPY).answer();
    assertEquals(columnSums()[0], numpy, 1.0, "NumPy's float32 sum");
    assertTrue(report.text().contains("NumPy 2."), report.text());
  }

  @Test
  void writeBenchmarkOutputsHoldTheData() throws Exception {
    Report report = run(new WriteBenchmark());
    Benchmark.Result table = report.tables().get(0);
    assertEquals(3, table.cases().size());
    assertTrue(report.text().contains(WriteBenchmark.NPY_SINGLE_FILE + " ok"), report.text());
    assertTrue(Files.notExists(CONFIG.dataDir().resolve("write-out")), "outputs removed after the run");
  }

  @Test
  void largeFileScanReportsMemoryPerSize() throws Exception {
    Report report = run(new LargeFileMemoryBenchmark());
    assertEquals(1, report.otherTargets().size());
    String text = report.text();
    assertTrue(text.contains(" " + ROWS + " ") && text.contains(" " + 2 * ROWS + " "), text);
    assertTrue(text.contains("VmHWM"), text);
  }

  @Test
  void megatronBenchmarkPairIsValidAndAnswersAgreeWithParquet() throws Exception {
    Report report = run(new MegatronBenchmark());
    long sequences = ROWS / 32;
    assertEquals(4, report.tables().size());
    assertEquals(sequences, report.tables().get(1).get(MegatronBenchmark.MEGATRON_COUNT).answer());
    assertEquals(report.tables().get(2).get(MegatronBenchmark.PARQUET_LENGTHS).answer(),
        report.tables().get(2).get(MegatronBenchmark.MEGATRON_LENGTHS).answer());
    Row range = ((List<?>) report.tables().get(3).get(MegatronBenchmark.MEGATRON_RANGE).answer()).stream()
        .map(Row.class::cast).findFirst().orElseThrow();
    assertEquals(1L, range.getLong(0), "0.1% of " + sequences + " sequences, at least one");
    String text = report.text();
    assertTrue(text.contains("passed the strict validator: " + sequences + " sequences"), text);
    assertTrue(text.contains("equals the merged pair of the per-task writes byte for byte"), text);
    assertTrue(Files.notExists(CONFIG.dataDir().resolve("megatron")), "outputs removed after the run");
  }

  @Test
  void megatronMergeBenchmarkOutputsAreEqual() throws Exception {
    Report report = run(new MegatronMergeBenchmark());
    assertEquals(1, report.tables().size());
    String text = report.text();
    assertTrue(text.contains("passed the strict validator: " + ROWS / 32 + " sequences"), text);
    assertTrue(text.contains("the merge's, the rows' and NumPy's pairs are equal byte for byte"), text);
    assertTrue(Files.notExists(CONFIG.dataDir().resolve("megatron-merge")), "outputs removed after the run");
  }

  @Test
  void s3ReadBenchmarkAnswersAgreeWithParquetAndCountsTheBytes() throws Exception {
    Report report = run(new S3ReadBenchmark());
    List<Row> expected = List.of(RowFactory.create((Object[]) java.util.Arrays.stream(columnSums()).boxed()
        .toArray(Double[]::new)));
    Benchmark.Result sums = report.tables().get(0);
    assertEquals(expected, sums.get(S3ReadBenchmark.PARQUET_SUMS).answer());
    assertEquals(expected, sums.get(S3ReadBenchmark.NPY_SUMS).answer());
    assertEquals(columnSums()[0], report.tables().get(1).get(S3ReadBenchmark.NPY_C0).answer());
    Benchmark.Result range = report.tables().get(2);
    assertEquals(range.get(S3ReadBenchmark.PARQUET_RANGE).answer(), range.get(S3ReadBenchmark.NPY_RANGE).answer());
    assertEquals(List.of("c0", "c1"), ((List<?>) report.tables().get(3).get(S3ReadBenchmark.NPY_SCHEMA).answer())
        .subList(0, 2));
    long objects = CONFIG.s3Objects();
    assertEquals(objects * S3ReadBenchmark.SMALL_ROWS, report.tables().get(4).get(S3ReadBenchmark.NPY_COUNT)
        .answer());
    // the 16 sums fetch every data byte of the .npy (its size less the header): in the scan's metrics and S3A's,
    // and the server sent at least as many
    String traffic = report.text().lines().filter(l -> l.startsWith("16 sums") && l.contains(" npy "))
        .findFirst().orElseThrow();
    String dataBytes = Long.toString(ROWS * BenchmarkData.ROW_BYTES);
    String[] fields = traffic.trim().split("\\s+");
    assertTrue(java.util.Arrays.stream(fields).filter(dataBytes::equals).count() >= 2, traffic);
    assertTrue(Long.parseLong(fields[3]) >= ROWS * BenchmarkData.ROW_BYTES, "the server sent them: " + traffic);
    assertTrue(Files.notExists(CONFIG.dataDir().resolve("s3")), "server and data removed after the run");
  }

  @Test
  void s3PlanningBenchmarkCountsEveryObjectAndReadsEachHeaderOnce() throws Exception {
    Report report = run(new S3PlanningBenchmark());
    int[] sizes = S3PlanningBenchmark.sizes(CONFIG.s3Objects());
    for (int i = 0; i < sizes.length; i++) {
      Benchmark.Result planning = report.tables().get(i);
      int objects = sizes[i];
      assertEquals(objects, planning.get(S3PlanningBenchmark.LISTING).answer(), planning.title());
      assertEquals(List.of("c0", "c1"), ((List<?>) planning.get(S3PlanningBenchmark.NPY_SCHEMA).answer())
          .subList(0, 2));
      assertEquals((long) objects * S3ReadBenchmark.SMALL_ROWS, planning.get(S3PlanningBenchmark.NPY_COUNT)
          .answer());
    }
    assertEquals(2, report.tables().size());
    // load() reads the first header alone; the two actions after it read the others once: past the threshold
    // (32 objects) by a job
    String text = report.text();
    for (int size : sizes) {
      assertTrue(java.util.regex.Pattern.compile("load\\(\\) opened 1 streams \\(GETs\\), [^;]*; two count\\(\\)s "
          + "of the loaded DataFrame then opened " + (size - 1) + " streams").matcher(text).find(), text);
    }
    assertTrue(text.contains("no header job in the last") && text.contains("the header job of the last '"
        + S3PlanningBenchmark.NPY_COUNT + "': "), "below the threshold and past it: " + text);
    assertTrue(Files.notExists(CONFIG.dataDir().resolve("s3-planning")), "server and data removed after the run");
  }

  /** Runs a benchmark and checks its results file: the machine header and a table. */
  private static Report run(BenchmarkSuite suite) throws Exception {
    Report report = suite.run(CONFIG);
    Path file = report.write(CONFIG.resultsDir());
    String text = Files.readString(file);
    assertEquals(suite.name() + "-results.txt", file.getFileName().toString());
    for (String header : List.of("Date: ", "CPU: ", "Memory: ", "OS: ", "JVM: ", "Spark: ", "Command: ")) {
      assertTrue(text.contains("\n" + header), "header line " + header + " in\n" + text);
    }
    return report;
  }

  /** The exact column sums of the benchmark array, added up here apart from the generator's own bookkeeping. */
  private static double[] columnSums() {
    double[] sums = new double[BenchmarkData.COLUMNS];
    for (long i = 0; i < ROWS; i++) {
      for (int j = 0; j < sums.length; j++) {
        sums[j] += BenchmarkData.value(i, j);
      }
    }
    return sums;
  }
}
