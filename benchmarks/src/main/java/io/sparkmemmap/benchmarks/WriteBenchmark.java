package io.sparkmemmap.benchmarks;

import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.sum;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.storage.RDDInfo;

/**
 * Writing a cached DataFrame (the benchmark array as 16 float columns, in Spark's in-memory cache) on
 * {@code local[2]}: to a directory of {@code .npy} parts against uncompressed Parquet, and to one {@code .npy}
 * ({@code singleFile}) against the directory. Each iteration writes to a fresh path; removing the previous output is
 * not timed, nor is a {@code sync} after it. Every output is read back afterwards and must hold the data's sums.
 */
final class WriteBenchmark implements BenchmarkSuite {
  static final String PARQUET = "Parquet (uncompressed), directory";
  static final String NPY_DIRECTORY = "npy layout=columns, directory of parts";
  static final String NPY_SINGLE_FILE = "npy layout=columns, singleFile=true";

  @Override
  public Report run(BenchmarkConfig config) throws Exception {
    Report report = new Report(name());
    SparkSession spark = BenchmarkSession.start("local[2]");
    try {
      BenchmarkData.Array data = BenchmarkData.writeNpy(config.dataDir().resolve("write-input.npy"), config.rows());
      Dataset<Row> cached = spark.read().format("npy").option("layout", "columns").load(data.file().toString())
          .cache();
      if (cached.count() != data.rows()) {
        throw new IllegalStateException("the cached DataFrame does not hold " + data.rows() + " rows");
      }
      Path out = config.dataDir().resolve("write-out");
      Path parquet = out.resolve("parquet");
      Path directory = out.resolve("npy-directory");
      Path single = out.resolve("single.npy");
      Benchmark benchmark = new Benchmark("write a cached DataFrame of 16 float columns, " + data.rows() + " rows")
          .addCase(PARQUET, null, () -> clear(parquet), () -> {
            cached.write().option("compression", "none").parquet(parquet.toString());
            return null;
          })
          .addCase(NPY_DIRECTORY, Benchmark.Target.fasterBy(3), () -> clear(directory), () -> {
            cached.write().format("npy").option("layout", "columns").save(directory.toString());
            return null;
          })
          .addCase(NPY_SINGLE_FILE, Benchmark.Target.atMost("<= 1.3x the directory write's time", 1.3)
              .against(NPY_DIRECTORY), () -> clear(single), () -> {
                cached.write().format("npy").option("layout", "columns").option("singleFile", "true")
                    .save(single.toString());
                return null;
              })
          .answersNotCompared(); // writes answer nothing: the outputs are read back and checked below
      // one warm-up at most: writing a GiB warms the JIT, and the Parquet writes dominate the run's time
      Benchmark.Result result = benchmark.run(
          new Benchmark.Warmup(Math.min(1, config.warmup().runs()), config.warmup().millis()), config.iterations());
      List<String> checked = new ArrayList<>();
      checked.add(check(spark.read().parquet(parquet.toString()), data, PARQUET));
      checked.add(check(spark.read().format("npy").option("layout", "columns").load(directory.toString()), data,
          NPY_DIRECTORY));
      checked.add(check(spark.read().format("npy").option("layout", "columns").load(single.toString()), data,
          NPY_SINGLE_FILE));
      result = result.withNote("before each iteration, untimed: the previous iteration's output removed, then sync")
          .withNote("cached input: " + cacheSize(spark) + " in Spark's block manager (compressed "
          + "columnar)")
          .withNote("read back after the last iteration, each output holds the data's " + data.rows()
              + " rows and column sums: " + String.join("; ", checked));
      BenchmarkData.delete(out);
      return report
          .context("Data: " + config.describeData() + " read from a .npy into Spark's cache (cache().count()), "
              + "then written; Parquet written with compression=none")
          .context("Spark master: local[2], Spark's default settings")
          .add(result);
    } finally {
      spark.stop();
    }
  }

  /**
   * Removes the previous iteration's outputs and writes every dirty page of the machine to disk ({@code sync}), so
   * that no iteration waits for the write-back of an earlier one's output.
   */
  static void clear(Path... outputs) throws IOException, InterruptedException {
    for (Path output : outputs) {
      BenchmarkData.delete(output);
    }
    Process sync = new ProcessBuilder("sync").inheritIO().start();
    if (sync.waitFor() != 0) {
      throw new IOException("sync failed with exit code " + sync.exitValue());
    }
  }

  /** Checks the output's row count and column sums against the data's; returns what was checked. */
  private static String check(Dataset<Row> written, BenchmarkData.Array data, String name) {
    Column[] aggregates = new Column[BenchmarkData.COLUMNS];
    for (int j = 0; j < aggregates.length; j++) {
      aggregates[j] = sum("c" + j);
    }
    Row row = written.agg(count("*"), aggregates).first();
    double[] sums = new double[BenchmarkData.COLUMNS];
    for (int j = 0; j < sums.length; j++) {
      sums[j] = row.getDouble(j + 1);
    }
    if (row.getLong(0) != data.rows() || !Arrays.equals(sums, data.columnSums())) {
      throw new IllegalStateException(name + " wrote " + row + ", expected " + data.rows() + " rows and sums "
          + Arrays.toString(data.columnSums()));
    }
    return name + " ok";
  }

  private static String cacheSize(SparkSession spark) {
    long bytes = 0;
    for (RDDInfo info : spark.sparkContext().getRDDStorageInfo()) {
      bytes += info.memSize() + info.diskSize();
    }
    return Report.bytes(bytes);
  }
}
