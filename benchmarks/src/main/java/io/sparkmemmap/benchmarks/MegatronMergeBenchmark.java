package io.sparkmemmap.benchmarks;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.spark.sql.SparkSession;

/**
 * The shard merge: {@value MegatronBenchmark#PARTITIONS} Megatron pairs of uint16 tokens (written by NumPy as
 * Megatron's builder writes them: {@code bench.rows / 32} sequences in all, 2^17 and 256 MiB of {@code .bin} at
 * {@code -Dbench.rows=4194304}) merged into one pair, on {@code local[2]}, three ways: the connector's merge
 * ({@code load("shards/*").write.save}, which copies the {@code .bin} bytes), the same rows read and written as
 * rows (a filter that keeps every row, which the merge does not take: the tokens decoded and encoded again), and
 * Megatron's own {@code merge_datasets.py} algorithm, serially in a NumPy process. The three outputs must be equal
 * byte for byte, and pass the strict validator.
 */
final class MegatronMergeBenchmark implements BenchmarkSuite {
  static final String NUMPY_MERGE = "serial NumPy merge (merge_datasets.py: add_index per pair)";
  static final String ROWS_MERGE = "megatron: load(shards/*) as rows (a filter keeping all), then save";
  static final String MERGE = "megatron: load(shards/*).write.save, the shard merge (byte-range copies)";

  @Override
  public Report run(BenchmarkConfig config) throws Exception {
    long sequences = Math.max(MegatronBenchmark.PARTITIONS, config.rows() / 32);
    Path out = config.dataDir().resolve("megatron-merge");
    Path shards = out.resolve("shards");
    Path byCopy = out.resolve("merged_text_document");
    Path byRows = out.resolve("rows_text_document");
    Path byNumpy = out.resolve("numpy_text_document");
    SparkSession spark = BenchmarkSession.start("local[2]");
    try (PythonProcess python = new PythonProcess(MegatronBenchmark.script())) {
      JsonNode versions = python.readLine();
      BenchmarkData.delete(out);
      Files.createDirectories(shards);
      List<String> prefixes = new ArrayList<>();
      python.request(Map.of("op", "shards", "out", shards.toString(), "count", MegatronBenchmark.PARTITIONS,
          "sequences", sequences)).get("prefixes").forEach(p -> prefixes.add(p.asText()));
      String glob = shards.resolve("*").toString();
      Benchmark.Result merges = new Benchmark("merge " + MegatronBenchmark.PARTITIONS + " pairs into one")
          .addCase(NUMPY_MERGE, null, () -> WriteBenchmark.clear(MegatronBenchmark.pairFiles(byNumpy)),
              () -> python.request(Map.of("op", "merge", "parts", prefixes, "out", byNumpy.toString())))
          .addCase(ROWS_MERGE, null, () -> WriteBenchmark.clear(MegatronBenchmark.pairFiles(byRows)), () -> {
            spark.read().format("megatron").load(glob).where("size(tokens) >= 0").write().format("megatron")
                .save(byRows.toString());
            return null;
          })
          .addCase(MERGE, Benchmark.Target.fasterBy(1).against(ROWS_MERGE),
              () -> WriteBenchmark.clear(MegatronBenchmark.pairFiles(byCopy)), () -> {
                spark.read().format("megatron").load(glob).write().format("megatron").save(byCopy.toString());
                return null;
              })
          .answersNotCompared() // writes answer nothing: the outputs are checked below
          .run(config.warmup(), config.iterations());
      JsonNode valid = python.request(Map.of("op", "validate", "prefix", byCopy.toString()));
      sameBytes(byCopy, byNumpy);
      sameBytes(byRows, byNumpy);
      BenchmarkData.delete(out);
      return new Report(name())
          .context("Data: " + MegatronBenchmark.PARTITIONS + " pairs written by NumPy, " + sequences + " uint16 "
              + "sequences in all of pseudo-random lengths 1..2048, documents of 1..8 sequences")
          .context("Spark master: local[2], Spark's default settings; NumPy " + versions.get("numpy").asText()
              + " (Python " + versions.get("python").asText() + ") in a process of its own, OMP_NUM_THREADS=1")
          .add(merges
              .withNote(String.format(Locale.ROOT, "the shard merge: %.2fX faster than rows, %.2fX the speed of "
                  + "the serial NumPy merge", merges.get(ROWS_MERGE).median() / merges.get(MERGE).median(),
                  merges.get(NUMPY_MERGE).median() / merges.get(MERGE).median()))
              .withNote("before each iteration, untimed: the previous iteration's output removed, then sync")
              .withNote("the merged pair passed the strict validator: " + valid.get("sequences") + " sequences, "
                  + valid.get("documents") + " documents, " + valid.get("tokens") + " tokens; the merge's, the "
                  + "rows' and NumPy's pairs are equal byte for byte"));
    } finally {
      spark.stop();
    }
  }

  private static void sameBytes(Path a, Path b) throws IOException {
    for (String suffix : List.of(".bin", ".idx")) {
      if (Files.mismatch(MegatronBenchmark.file(a, suffix), MegatronBenchmark.file(b, suffix)) != -1) {
        throw new IllegalStateException(a + suffix + " and " + b + suffix + " differ");
      }
    }
  }
}
