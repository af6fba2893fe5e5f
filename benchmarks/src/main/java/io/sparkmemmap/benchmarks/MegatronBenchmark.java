package io.sparkmemmap.benchmarks;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.expr;
import static org.apache.spark.sql.functions.size;
import static org.apache.spark.sql.functions.sum;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * A tokenized corpus written as one Megatron-LM pair and read back, on {@code local[2]}. The corpus is generated
 * in Spark from {@code range}: {@code bench.rows / 32} sequences (2^19, about 1 GiB of uint16 tokens, by default)
 * of pseudo-random lengths 1..2048 and pseudo-random tokens below 65500, in {@value #PARTITIONS} partitions; every
 * write case generates it anew, and a {@code noop} write of it shows what generating costs.
 *
 * <p>Writing: the connector's one pair from {@value #PARTITIONS} tasks, against what Megatron's tools do (one pair
 * per task, here {@value #PARTITIONS} single-partition writes of the connector run at once, then a serial merge by
 * Megatron's {@code merge_datasets.py} algorithm in a NumPy process, timed) and against Parquet with an
 * {@code array<int>} column. The connector's pair is checked by a strict validator and must equal the merged pair
 * byte for byte. Reading: sequence count, sum of lengths and a {@code _row_index} range of 0.1% of the sequences,
 * against the same questions of the Parquet copy (the range by its row id column).
 */
final class MegatronBenchmark implements BenchmarkSuite {
  static final int PARTITIONS = 8;
  static final String PER_TASK_MERGE = "one pair per task (" + PARTITIONS + " tasks), then serial NumPy merge";
  static final String PARQUET = "Parquet (uncompressed), array<int> column + row id";
  static final String ONE_PAIR = "megatron: one pair from " + PARTITIONS + " tasks";
  static final String GENERATE_ONLY = "for reference: generating the corpus only (noop write)";
  static final String PARQUET_COUNT = "Parquet: count(*)";
  static final String MEGATRON_COUNT = "megatron: count(*)";
  static final String PARQUET_LENGTHS = "Parquet: sum(size(tokens))";
  static final String MEGATRON_LENGTHS = "megatron: sum(_length)";
  static final String PARQUET_RANGE = "Parquet: id range, count, sum(size(tokens)), sum of tokens";
  static final String MEGATRON_RANGE = "megatron: _row_index range, count, sum(_length), sum of tokens";

  private static final String TOKEN_SUM = "aggregate(tokens, 0L, (acc, x) -> acc + x)";

  @Override
  public Report run(BenchmarkConfig config) throws Exception {
    long sequences = Math.max(PARTITIONS, config.rows() / 32);
    Report report = new Report(name());
    Path out = config.dataDir().resolve("megatron");
    Path pair = out.resolve("corpus_text_document");
    Path parts = out.resolve("parts");
    Path merged = out.resolve("merged_text_document");
    Path parquet = out.resolve("parquet");
    SparkSession spark = BenchmarkSession.start("local[2]");
    try (PythonProcess python = new PythonProcess(script())) {
      JsonNode versions = python.readLine();
      BenchmarkData.delete(out);
      Files.createDirectories(out);
      List<Double> mergeMillis = new ArrayList<>();
      // writes of a GiB: one warm-up at most, as WriteBenchmark does, and at most 3 measured to keep the run short
      Benchmark.Result writes = new Benchmark("write a generated corpus of " + sequences + " sequences")
          .addCase(PER_TASK_MERGE, null, () -> WriteBenchmark.clear(parts, file(merged, ".bin"),
              file(merged, ".idx")), () -> {
            mergeMillis.add(writePerTaskAndMerge(spark, python, sequences, parts, merged));
            return null;
          })
          .addCase(PARQUET, null, () -> WriteBenchmark.clear(parquet), () -> {
            corpus(spark, 0, sequences, PARTITIONS).write().option("compression", "none")
                .parquet(parquet.toString());
            return null;
          })
          .addCase(ONE_PAIR, Benchmark.Target.fasterBy(1), () -> WriteBenchmark.clear(pairFiles(pair)), () -> {
            corpus(spark, 0, sequences, PARTITIONS).drop("id").write().format("megatron").option("dtype", "uint16")
                .save(pair.toString());
            return null;
          })
          .addCase(GENERATE_ONLY, null, () -> {
            corpus(spark, 0, sequences, PARTITIONS).write().format("noop").mode("overwrite").save();
            return null;
          })
          .answersNotCompared() // writes answer nothing: the outputs are checked below
          .run(new Benchmark.Warmup(Math.min(1, config.warmup().runs()), 0), Math.min(3, config.iterations()));
      JsonNode valid = python.request(Map.of("op", "validate", "prefix", pair.toString()));
      String equal = sameBytes(pair, merged);
      writes = writes
          .withNote(String.format(Locale.ROOT, "megatron: %.2fX the time of Parquet's write",
              writes.get(PARQUET).median() / writes.get(ONE_PAIR).median()))
          .withNote(String.format(Locale.ROOT, "per task + merge: the serial merge alone took %.0f ms (median), "
              + "the rest is the %d single-partition writes", Benchmark.median(mergeMillis.stream()
              .mapToDouble(Double::doubleValue).toArray()), PARTITIONS))
          .withNote("before each iteration, untimed: the previous iteration's output removed, then sync")
          .withNote("the connector's pair passed the strict validator: " + valid.get("sequences") + " sequences, "
              + valid.get("documents") + " documents, " + valid.get("tokens") + " " + valid.get("dtype").asText()
              + " tokens (" + Report.bytes(valid.get("tokens").asLong() * 2) + " in the .bin); " + equal);

      Dataset<Row> megatron = spark.read().format("megatron").load(pair.toString());
      Dataset<Row> copy = spark.read().parquet(parquet.toString());
      long from = sequences / 2;
      long to = from + Math.max(1, sequences / 1000);
      Benchmark.Result counts = new Benchmark("sequence count")
          .addCase(PARQUET_COUNT, null, copy::count)
          .addCase(MEGATRON_COUNT, Benchmark.Target.fasterBy(1), megatron::count)
          .run(config.warmup(), config.iterations());
      Benchmark.Result lengths = new Benchmark("sum of the sequence lengths")
          .addCase(PARQUET_LENGTHS, null, () -> copy.agg(sum(size(col("tokens")))).collectAsList())
          .addCase(MEGATRON_LENGTHS, Benchmark.Target.fasterBy(1),
              () -> megatron.agg(sum("_length")).collectAsList())
          .run(config.warmup(), config.iterations());
      Benchmark.Result range = new Benchmark("sequences [" + from + ", " + to + "), 0.1% of them: count, lengths,"
          + " tokens")
          .addCase(PARQUET_RANGE, null, () -> rangeAnswer(copy, "id", from, to))
          .addCase(MEGATRON_RANGE, Benchmark.Target.fasterBy(1), () -> rangeAnswer(megatron, "_row_index", from, to))
          .run(config.warmup(), config.iterations());
      check(counts.get(MEGATRON_COUNT).answer(), valid.get("sequences").asLong(), "count(*)");
      check(((List<?>) lengths.get(MEGATRON_LENGTHS).answer()).get(0), valid.get("tokens").asLong(),
          "sum(_length)");
      BenchmarkData.delete(out);
      return report
          .context("Data: " + sequences + " sequences of pseudo-random lengths 1..2048 (xxhash64 of the row id), "
              + "tokens below 65500 by a polynomial of row id and position, generated by spark.range in "
              + PARTITIONS + " partitions; megatron written with dtype=uint16, Parquet with compression=none")
          .context("Spark master: local[2], Spark's default settings; NumPy " + versions.get("numpy").asText()
              + " (Python " + versions.get("python").asText() + ") in a process of its own, OMP_NUM_THREADS=1")
          .add(writes)
          .add(counts.withNote("the outputs of the last write iteration, page cache hot"))
          .add(lengths.withNote("megatron reads the .idx lengths alone; Parquet reads the tokens column"))
          .add(range.withNote("megatron: _row_index selects the range at planning; Parquet: a filter on the id "
              + "column, pushed down to its row groups' statistics"));
    } finally {
      spark.stop();
    }
  }

  /**
   * The corpus rows {@code [from, to)}: {@code id} and {@code tokens: array<int>}. A row's length and tokens depend
   * on its id alone, so any split of the ids into partitions makes the same rows in the same order.
   */
  static Dataset<Row> corpus(SparkSession spark, long from, long to, int partitions) {
    return spark.range(from, to, 1, partitions).select(col("id"), expr("transform(sequence(1, "
        + "CAST(pmod(xxhash64(id), 2048) + 1 AS INT)), "
        + "i -> CAST(pmod(id * 2654435761 + i * 40503 + i * i * 7, 65500) AS INT))").as("tokens"));
  }

  /**
   * Megatron's way: each task writes a pair of its own (the partitions' rows, as single-partition writes run
   * together), then one process merges them serially. Returns the merge's own time.
   */
  private static double writePerTaskAndMerge(SparkSession spark, PythonProcess python, long sequences, Path parts,
      Path merged) throws Exception {
    Files.createDirectories(parts);
    List<String> prefixes = new ArrayList<>();
    ExecutorService pool = Executors.newFixedThreadPool(PARTITIONS);
    try {
      List<Future<?>> writes = new ArrayList<>();
      for (int p = 0; p < PARTITIONS; p++) {
        long from = sequences * p / PARTITIONS;
        long to = sequences * (p + 1) / PARTITIONS;
        String prefix = parts.resolve("part-" + p + "_text_document").toString();
        prefixes.add(prefix);
        writes.add(pool.submit(() -> {
          corpus(spark, from, to, 1).drop("id").write().format("megatron").option("dtype", "uint16").save(prefix);
          return null;
        }));
      }
      for (Future<?> write : writes) {
        write.get();
      }
    } finally {
      pool.shutdownNow();
    }
    return python.request(Map.of("op", "merge", "parts", prefixes, "out", merged.toString())).get("millis")
        .asDouble();
  }

  private static List<Row> rangeAnswer(Dataset<Row> df, String index, long from, long to) {
    return df.where(col(index).geq(from).and(col(index).lt(to)))
        .agg(count("*"), sum(size(col("tokens"))), sum(expr(TOKEN_SUM))).collectAsList();
  }

  /** The files of the pair at {@code prefix}. */
  static Path[] pairFiles(Path prefix) {
    return new Path[] {file(prefix, ".bin"), file(prefix, ".idx")};
  }

  static Path file(Path prefix, String suffix) {
    return prefix.resolveSibling(prefix.getFileName() + suffix);
  }

  private static String sameBytes(Path pair, Path merged) throws IOException {
    for (String suffix : List.of(".bin", ".idx")) {
      Path a = file(pair, suffix);
      Path b = file(merged, suffix);
      if (Files.mismatch(a, b) != -1) {
        throw new IllegalStateException(a + " and the merged " + b + " differ");
      }
    }
    return "it equals the merged pair of the per-task writes byte for byte (.bin and .idx)";
  }

  private static void check(Object answer, long expected, String what) {
    long value = answer instanceof Row row ? row.getLong(0) : ((Number) answer).longValue();
    if (value != expected) {
      throw new IllegalStateException(what + " answered " + value + ", the validator counted " + expected);
    }
  }

  /** The benchmark's NumPy side after the connector's test helper it builds on (from the connector's test jar). */
  static String script() throws IOException {
    return resource("/megatron/megatron_pairs.py") + "\n" + resource("/megatron/megatron_bench.py");
  }

  private static String resource(String name) throws IOException {
    try (InputStream in = MegatronBenchmark.class.getResourceAsStream(name)) {
      if (in == null) {
        throw new IOException("the resource " + name + " is missing from the benchmarks' classpath");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

}
