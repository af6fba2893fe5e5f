package io.sparkmemmap.benchmarks;

import static org.apache.spark.sql.functions.sum;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Locale;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * {@code sum(c0)} of the benchmark array on one thread against NumPy's {@code np.load(f, mmap_mode='r')[:, 0].sum()}
 * on the same file: Spark on {@code local[1]} with the whole file one partition, NumPy in a Python process of its
 * own that times the same expression (load, map, sum) with {@code time.perf_counter} each time it is asked, so that
 * its iterations interleave with Spark's.
 */
final class NumpyComparisonBenchmark implements BenchmarkSuite {
  static final String NUMPY = "NumPy: np.load(f, mmap_mode='r')[:, 0].sum(), one thread";
  static final String NPY = "npy: SELECT sum(c0), local[1], one partition";
  static final String SPARK_ONE_TASK = "for reference, a query of one task reading nothing: range(0, 1, 1, 1)";

  /**
   * Prints NumPy's version and the exact (float64) sum of column 0, then for each line it reads times the NumPy
   * expression once and prints the time and the (float32, pairwise) answer.
   */
  static final String SCRIPT = String.join("\n",
      "import json, sys, time",
      "import numpy as np",
      "path = sys.argv[1]",
      "exact = float(np.load(path, mmap_mode='r')[:, 0].sum(dtype=np.float64))",
      "print(json.dumps({'numpy': np.__version__, 'exact': exact}), flush=True)",
      "for _ in sys.stdin:",
      "    start = time.perf_counter()",
      "    answer = np.load(path, mmap_mode='r')[:, 0].sum()",
      "    millis = (time.perf_counter() - start) * 1000",
      "    print(json.dumps({'millis': millis, 'answer': float(answer)}), flush=True)",
      "");

  @Override
  public Report run(BenchmarkConfig config) throws Exception {
    BenchmarkData.Array data = BenchmarkData.writeNpy(config.dataDir().resolve("numpy.npy"), config.rows());
    double exact = data.columnSums()[0];
    // NumPy adds float32 pairwise: off from the exact sum by at most log2(n) roundings of the sum of magnitudes
    double tolerance = Math.max(1, Math.log(data.rows()) / Math.log(2)) * 0x1p-24 * data.rows() * 128;
    Report report = new Report(name());
    SparkSession spark = BenchmarkSession.start("local[1]");
    try (NumpyProcess numpy = new NumpyProcess(data.file())) {
      if (numpy.exact != exact) {
        throw new IllegalStateException("NumPy's exact sum of c0 is " + numpy.exact + ", the data's " + exact);
      }
      Dataset<Row> df = spark.read().format("npy").option("layout", "columns")
          .option("maxPartitionBytes", Long.toString(Long.MAX_VALUE)).load(data.file().toString());
      String scan = Plans.requireScan(df.agg(sum("c0")), "NpyAggregateScan", "(complete, one partition)");
      TaskTimes tasks = TaskTimes.register(spark);
      Benchmark benchmark = new Benchmark("sum of one column, single-threaded, " + data.rows() + " rows")
          .addCase(NUMPY, null, () -> numpy.time(exact, tolerance))
          .addCase(NPY, Benchmark.Target.atMost("<= 1.5x NumPy's time", 1.5),
              tasks.measure(() -> requireExact(df.agg(sum("c0")).first().getDouble(0), exact)))
          .addCase(SPARK_ONE_TASK, null, () -> spark.range(0, 1, 1, 1).collectAsList().size())
          .answersNotCompared() // each case checks its own: NumPy's within the tolerance, Spark's exact
          .note("npy: the DataFrame loaded once, as a table; each iteration plans and runs the query")
          .note("npy plan: " + scan)
          .note("answers: NumPy's float32 pairwise sum, within " + String.format(Locale.ROOT, "%.0f", tolerance)
              + " of the exact sum " + exact + ", which NumPy in float64 and Spark both give exactly");
      Benchmark.Result result = benchmark.run(config.warmup(), config.iterations());
      return report
          .context("Data: " + config.describeData() + " in one .npy, written by the benchmark, page cache hot")
          .context("Spark master: local[1]; NumPy " + numpy.version + " (" + python() + ") in a process of its "
              + "own, OMP_NUM_THREADS=1")
          .add(result.withNote(String.format(Locale.ROOT, "npy: the one task's own run time (Spark's "
              + "executorRunTime, median): %.0f ms; the rest is Spark planning and scheduling the query",
              tasks.medianOfLast(config.iterations()))));
    } finally {
      spark.stop();
    }
  }

  /** The Python process that times the NumPy expression on request. */
  static final class NumpyProcess implements AutoCloseable {
    private final PythonProcess python;
    final String version;
    final double exact;

    NumpyProcess(Path file) throws IOException {
      python = new PythonProcess(SCRIPT, file.toString());
      JsonNode first = python.readLine();
      version = first.get("numpy").asText();
      exact = first.get("exact").asDouble();
    }

    /** Times the expression once, in the Python process; its answer must be within {@code tolerance}. */
    Benchmark.Timed time(double exact, double tolerance) throws IOException {
      JsonNode result = python.request("");
      double answer = result.get("answer").asDouble();
      if (Math.abs(answer - exact) > tolerance) {
        throw new IllegalStateException("NumPy answered " + answer + ", not within " + tolerance + " of " + exact);
      }
      return new Benchmark.Timed(result.get("millis").asDouble(), answer);
    }

    @Override
    public void close() throws IOException {
      python.close();
    }
  }


  private static double requireExact(double answer, double exact) {
    if (answer != exact) {
      throw new IllegalStateException("Spark answered " + answer + ", not the exact sum " + exact);
    }
    return answer;
  }

  private static String python() {
    try {
      Process process = new ProcessBuilder("python3", "--version").redirectErrorStream(true).start();
      String version = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
      process.waitFor();
      return version;
    } catch (IOException e) {
      return "python3";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "python3";
    }
  }
}
