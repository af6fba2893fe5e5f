package io.sparkmemmap.benchmarks;

import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Arrays;

/**
 * What a run measures and where its files go, from system properties (the {@code bench} profile of the module's
 * pom sets them): {@code bench.rows} rows of 16 float32 columns (2^24, 1 GiB, by default), the least warm-up of
 * each case ({@code bench.warmups} runs and {@code bench.warmupSeconds}), {@code bench.iterations} per case, the
 * large-file sizes as multiples of the data size, the directory of the generated data and the one the results
 * files are written to, how many JVMs of their own run the read path benchmark ({@code bench.jvmRuns}), and how
 * many small objects the S3 benchmark plans over ({@code bench.s3Objects}, 10 000).
 */
record BenchmarkConfig(long rows, Benchmark.Warmup warmup, int iterations, int[] largeFileSizes, Path dataDir,
    Path resultsDir, int jvmRuns, int s3Objects) {
  static final long DEFAULT_ROWS = 1L << 24;

  static BenchmarkConfig fromSystemProperties() {
    return new BenchmarkConfig(
        Long.getLong("bench.rows", DEFAULT_ROWS),
        new Benchmark.Warmup(Integer.getInteger("bench.warmups", 2),
            Math.round(1000 * Double.parseDouble(System.getProperty("bench.warmupSeconds", "10")))),
        Integer.getInteger("bench.iterations", 5),
        Arrays.stream(System.getProperty("bench.largeFileSizes", "1,2,4,8").split(",")).map(String::trim)
            .mapToInt(Integer::parseInt).toArray(),
        Paths.get(System.getProperty("bench.dataDir", "target/bench-data")).toAbsolutePath(),
        Paths.get(System.getProperty("bench.resultsDir", "results")).toAbsolutePath(),
        Integer.getInteger("bench.jvmRuns", 3),
        Integer.getInteger("bench.s3Objects", 10_000));
  }

  /** The shape of the benchmark array, for headers: {@code (16777216, 16) float32, 1.0 GiB}. */
  String describeData() {
    return "(" + rows + ", " + BenchmarkData.COLUMNS + ") float32, " + Report.bytes(rows * BenchmarkData.ROW_BYTES);
  }
}
