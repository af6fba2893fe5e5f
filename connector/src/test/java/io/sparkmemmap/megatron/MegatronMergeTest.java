package io.sparkmemmap.megatron;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkmemmap.MegatronPython;
import io.sparkmemmap.Python;
import io.sparkmemmap.SparkTestSession;
import io.sparkmemmap.write.MegatronMerge;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.stream.Stream;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.execution.QueryExecution;
import org.apache.spark.sql.execution.SparkPlan;
import org.apache.spark.sql.execution.datasources.v2.V2ExistingTableWriteExec;
import org.apache.spark.sql.util.QueryExecutionListener;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import scala.jdk.javaapi.CollectionConverters;

/**
 * The shard merge: reading many pairs and writing one copies their bytes ({@link MegatronMerge}) and publishes the
 * pair the write of rows publishes, byte for byte, in every save mode; a query that is more than a scan of whole
 * pairs, or a write in another dtype, runs as rows. Each test checks from the executed plan which of the two ran
 * (the merge's write node, and the bytes its tasks copied), so that a merge that silently fell back fails.
 */
class MegatronMergeTest {
  @TempDir
  static Path dir;

  /**
   * Shards of uint16 tokens with different document structures: documents of several sequences, one sequence per
   * document, an empty pair, a single document, and empty sequences; a multimodal set; an int32 set.
   */
  @BeforeAll
  static void shards() {
    MegatronPython.run(dir, String.join("\n",
        "import os",
        "rng = np.random.default_rng(15)",
        "def shard(prefix, dtype, s, docs=None, mm=False):",
        "    seqs = [rng.integers(0, 65500, rng.integers(0, 60)).tolist() for _ in range(s)]",
        "    if docs == 'cuts':",
        "        docs = np.concatenate([[0], np.unique(rng.integers(1, s, s // 5 + 1)), [s]]).astype(np.int64)",
        "    modes = rng.integers(-128, 128, s).astype(np.int8) if mm else None",
        "    write_pair(prefix, dtype, seqs, docs, modes)",
        "for d in ['shards', 'mm', 'i32']:",
        "    os.mkdir(d)",
        "shard('shards/a', np.uint16, 700, 'cuts')",
        "shard('shards/b', np.uint16, 300)",
        "shard('shards/c', np.uint16, 0)",
        "shard('shards/d', np.uint16, 40, [0, 40])",
        "shard('shards/e', np.uint16, 900, 'cuts')",
        "shard('mm/a', np.uint16, 200, 'cuts', mm=True)",
        "shard('mm/b', np.uint16, 150, 'cuts', mm=True)",
        "shard('i32/a', np.int32, 100, 'cuts')",
        "shard('i32/b', np.int32, 50)",
        "print('ok')"));
  }

  private static SparkSession spark() {
    return SparkTestSession.get();
  }

  private static Dataset<Row> load(String path) {
    return spark().read().format("megatron").option("maxPartitionBytes", "20000").load(dir.resolve(path)
        .toString());
  }

  /** The same rows as a query the merge does not take: each token array computed, so written as rows. */
  private static Dataset<Row> asRows(Dataset<Row> pairs) {
    List<String> columns = new ArrayList<>();
    for (String name : pairs.columns()) {
      columns.add(name.equals("tokens") ? "transform(tokens, t -> t) AS tokens" : name);
    }
    return pairs.selectExpr(columns.toArray(new String[0]));
  }

  private static String out(String name) {
    return dir.resolve(name).toString();
  }

  @Test
  void shardsMergeByCopyingTheirBytesIntoThePairRowsWouldWrite() throws IOException {
    Dataset<Row> shards = load("shards/*");
    Writes merge = Writes.of(() -> shards.write().format("megatron").option("dtype", "uint16").save(out("m")));
    Writes rows = Writes.of(() -> asRows(shards).write().format("megatron").option("dtype", "uint16")
        .save(out("r")));
    assertEquals(binBytes("shards/a", "shards/b", "shards/c", "shards/d", "shards/e"), merge.bytesCopied());
    assertTrue(merge.pieces() > 1, "copied by more than one task: " + merge.pieces());
    assertEquals(-1, rows.bytesCopied(), "the computed column is written as rows");
    assertSameBytes("m", "r");
    assertEquals("1940 uint16", validate("m"));
    mergeInNumpy("numpy", "shards/a", "shards/b", "shards/c", "shards/d", "shards/e");
    assertSameBytes("m", "numpy");
    assertNoStaging();
  }

  /** What the strict validator says of a pair: its sequence count and dtype. */
  private static String validate(String prefix) {
    return MegatronPython.run(dir, String.join("\n",
        "dtype, lengths, pointers, docs, modes, tokens = validate(" + Python.literal(dir.resolve(prefix)) + ")",
        "print(len(lengths), dtype.name)")).strip();
  }

  /** Merges pairs as Megatron's {@code merge_datasets.py} does, in NumPy. */
  private static void mergeInNumpy(String out, String... prefixes) {
    MegatronPython.run(dir, "merge([" + String.join(", ", Stream.of(prefixes)
        .map(s -> Python.literal(dir.resolve(s))).toList()) + "], " + Python.literal(dir.resolve(out)) + ")");
  }

  private static long binBytes(String... prefixes) throws IOException {
    long bytes = 0;
    for (String prefix : prefixes) {
      bytes += Files.size(dir.resolve(prefix + ".bin"));
    }
    return bytes;
  }

  private static void assertSameBytes(String a, String b) throws IOException {
    for (String suffix : List.of(".bin", ".idx")) {
      assertEquals(-1, Files.mismatch(dir.resolve(a + suffix), dir.resolve(b + suffix)), a + suffix + " and " + b
          + suffix + " differ");
    }
  }

  private static void assertNoStaging() throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      List<String> hidden = files.map(p -> p.getFileName().toString()).filter(n -> n.startsWith(".")).toList();
      assertEquals(List.of(), hidden, "no staging left");
    }
  }

  /**
   * The write commands one action ran, as planned: whether the merge ran, and what its tasks copied.
   */
  private record Writes(List<SparkPlan> plans) {
    static Writes of(Runnable action) {
      List<SparkPlan> plans = Collections.synchronizedList(new ArrayList<>());
      QueryExecutionListener listener = new QueryExecutionListener() {
        @Override
        public void onSuccess(String funcName, QueryExecution qe, long durationNs) {
          plans.add(qe.executedPlan());
        }

        @Override
        public void onFailure(String funcName, QueryExecution qe, Exception exception) {}
      };
      spark().listenerManager().register(listener);
      try {
        action.run();
        spark().sparkContext().listenerBus().waitUntilEmpty();
      } catch (java.util.concurrent.TimeoutException e) {
        throw new AssertionError(e);
      } finally {
        spark().listenerManager().unregister(listener);
      }
      return new Writes(List.copyOf(plans));
    }

    private List<V2ExistingTableWriteExec> merges() {
      List<V2ExistingTableWriteExec> merges = new ArrayList<>();
      for (SparkPlan plan : plans) {
        CollectionConverters.asJava(plan.collect(new scala.PartialFunction<SparkPlan, SparkPlan>() {
          @Override
          public boolean isDefinedAt(SparkPlan node) {
            return node instanceof V2ExistingTableWriteExec write && write.write() instanceof MegatronMerge;
          }

          @Override
          public SparkPlan apply(SparkPlan node) {
            return node;
          }
        })).forEach(node -> merges.add((V2ExistingTableWriteExec) node));
      }
      return merges;
    }

    /** The bytes the merge's tasks copied, or -1 where no merge ran. */
    long bytesCopied() {
      List<V2ExistingTableWriteExec> merges = merges();
      if (merges.isEmpty()) {
        return -1;
      }
      assertEquals(1, merges.size(), plans.toString());
      return ((SparkPlan) merges.get(0)).metrics().get("bytesCopied").get().value();
    }

    int pieces() {
      return ((MegatronMerge) merges().get(0).write()).pieceCount();
    }
  }
}
