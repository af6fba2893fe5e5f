package io.sparkmemmap.megatron;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkmemmap.MegatronPython;
import io.sparkmemmap.Python;
import io.sparkmemmap.SparkTestSession;
import io.sparkmemmap.WritePlans;
import io.sparkmemmap.write.MegatronMerge;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shard merge: reading many pairs and writing one copies their bytes ({@link MegatronMerge}) and publishes the
 * pair that writing the same rows publishes, byte for byte, and the pair Megatron's own merge makes, in every save
 * mode; a query that is more than a scan of whole pairs, or a write in another dtype, runs as rows. Each test checks
 * in the executed plans which of the two ran (the merge's write node, and the bytes its tasks copied), so that a
 * merge that silently fell back to rows fails.
 */
class MegatronMergeTest {
  private static final String[] SHARDS = {"shards/a", "shards/b", "shards/c", "shards/d", "shards/e"};

  @TempDir
  static Path dir;

  /**
   * Shards of uint16 tokens with different document structures (documents of several sequences, one sequence per
   * document, an empty pair, a single document; empty sequences in all), a multimodal set, an int32 set, and
   * shards with empty documents (leading, inner, trailing, and an empty pair of empty documents).
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
        "for d in ['shards', 'mm', 'i32', 'empty_docs']:",
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
        "shard('empty_docs/a', np.uint16, 5, [0, 0, 2, 2, 5, 5])",
        "shard('empty_docs/b', np.uint16, 0, [0, 0, 0])",
        "shard('empty_docs/c', np.uint16, 3, [0, 3])",
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
  void shardsMergeByCopyingTheirBytesIntoThePairRowsAndMegatronWrite() throws IOException {
    Dataset<Row> shards = load("shards/*");
    WritePlans merge = WritePlans.of(() -> shards.write().format("megatron").option("dtype", "uint16")
        .save(out("m")));
    WritePlans rows = WritePlans.of(() -> asRows(shards).write().format("megatron").option("dtype", "uint16")
        .save(out("r")));
    assertEquals(binBytes(SHARDS), merge.bytesCopied());
    assertTrue(merge.pieces() > 1, "copied by more than one task: " + merge.pieces());
    assertEquals(-1, rows.bytesCopied(), "the computed column is written as rows");
    assertSameBytes("m", "r");
    assertEquals("1940 uint16", validate("m"));
    mergeInNumpy("numpy", SHARDS);
    assertSameBytes("m", "numpy");
    assertNoStaging();
  }

  @Test
  void multimodalShardsKeepTheirModes() throws IOException {
    Dataset<Row> shards = load("mm");
    assertTrue(WritePlans.of(() -> shards.write().format("megatron").save(out("mm_m"))).bytesCopied() > 0);
    asRows(shards).write().format("megatron").option("dtype", "uint16").save(out("mm_r"));
    assertSameBytes("mm_m", "mm_r");
    mergeInNumpy("mm_numpy", "mm/a", "mm/b");
    assertSameBytes("mm_m", "mm_numpy");
    assertEquals("350 uint16", validate("mm_m"));
    WritePlans withoutModes = WritePlans.of(() -> shards.select("tokens", "document").write().format("megatron")
        .save(out("mm_nomodes")));
    assertTrue(withoutModes.bytesCopied() > 0);
    asRows(shards.select("tokens", "document")).write().format("megatron").option("dtype", "uint16")
        .save(out("mm_nomodes_r"));
    assertSameBytes("mm_nomodes", "mm_nomodes_r");
  }

  /** Megatron's merge keeps empty documents, which no row can carry: the merge keeps them too. */
  @Test
  void emptyDocumentsStayAsMegatronsMergeKeepsThem() throws IOException {
    assertEquals(binBytes("empty_docs/a", "empty_docs/b", "empty_docs/c"), WritePlans.of(() -> load("empty_docs")
        .write().format("megatron").save(out("ed"))).bytesCopied());
    mergeInNumpy("ed_numpy", "empty_docs/a", "empty_docs/b", "empty_docs/c");
    assertSameBytes("ed", "ed_numpy");
    assertEquals("[0, 0, 2, 2, 5, 5, 5, 5, 8]", MegatronPython.run(dir, "print(validate('ed')[3].tolist())").strip());
    // without the document column each sequence is one document, as for rows
    load("empty_docs").select("tokens").write().format("megatron").save(out("ed_seq"));
    assertEquals("[0, 1, 2, 3, 4, 5, 6, 7, 8]", MegatronPython.run(dir, "print(validate('ed_seq')[3].tolist())")
        .strip());
  }

  @Test
  void everySaveModeAsRowsWouldDoIt() throws IOException {
    Dataset<Row> shards = load("shards/*");
    for (String target : List.of("sm_m", "sm_r")) {
      Dataset<Row> written = target.equals("sm_m") ? shards : asRows(shards);
      load("i32").limit(0).write().format("megatron").option("dtype", "uint16").save(out(target)); // an empty pair
      WritePlans append = WritePlans.of(() -> written.write().format("megatron").mode(SaveMode.Append)
          .save(out(target)));
      assertEquals(target.equals("sm_m"), append.bytesCopied() > 0, target);
      load("mm").select("tokens", "document").write().format("megatron").mode(SaveMode.Append).save(out(target));
      assertEquals("2290 uint16", validate(target));
      Exception exists = assertThrows(Exception.class, () -> written.write().format("megatron").save(out(target)));
      assertTrue(String.valueOf(exists.getMessage()).contains("already exists"), exists.getMessage());
      written.write().format("megatron").mode(SaveMode.Ignore).save(out(target));
      assertEquals("2290 uint16", validate(target));
    }
    assertSameBytes("sm_m", "sm_r");
    WritePlans overwrite = WritePlans.of(() -> load("mm").write().format("megatron").mode(SaveMode.Overwrite)
        .save(out("sm_m")));
    assertTrue(overwrite.bytesCopied() > 0);
    mergeInNumpy("sm_numpy", "mm/a", "mm/b");
    assertSameBytes("sm_m", "sm_numpy");
    assertNoStaging();
  }

  @Test
  void sqlInsertMergesToo() throws IOException {
    String shards = dir.resolve("shards").resolve("*").toString();
    spark().sql("CREATE TABLE merged_shards USING megatron LOCATION '" + out("sql") + "' AS SELECT * FROM megatron.`"
        + shards + "` WHERE _row_index < 0");
    try {
      WritePlans insert = WritePlans.of(() -> spark().sql("INSERT INTO merged_shards SELECT * FROM megatron.`"
          + shards + "`"));
      assertEquals(binBytes(SHARDS), insert.bytesCopied());
      mergeInNumpy("sql_numpy", SHARDS);
      assertSameBytes("sql", "sql_numpy");
      WritePlans overwrite = WritePlans.of(() -> spark().sql("INSERT OVERWRITE megatron.`" + out("sql")
          + "` SELECT tokens, document FROM megatron.`" + shards + "`"));
      assertEquals(binBytes(SHARDS), overwrite.bytesCopied());
      assertSameBytes("sql", "sql_numpy");
    } finally {
      spark().sql("DROP TABLE IF EXISTS merged_shards");
    }
  }

  @Test
  void aMergeAppendedAfterAnInterruptedAppendDropsItsTail() throws IOException {
    load("shards/b").write().format("megatron").save(out("tail_m"));
    load("shards/b").write().format("megatron").save(out("tail_r"));
    Files.write(dir.resolve("tail_m.bin"), new byte[] {1, 2, 3}, java.nio.file.StandardOpenOption.APPEND);
    assertTrue(WritePlans.of(() -> load("shards/*").write().format("megatron").mode(SaveMode.Append)
        .save(out("tail_m"))).bytesCopied() > 0);
    asRows(load("shards/*")).write().format("megatron").mode(SaveMode.Append).save(out("tail_r"));
    assertSameBytes("tail_m", "tail_r");
  }

  @Test
  void anythingButWholePairsInTheirDtypeIsWrittenAsRows() {
    Dataset<Row> shards = load("shards/*");
    assertEquals(-1, WritePlans.of(() -> shards.write().format("megatron").option("dtype", "int32")
        .save(out("x_dtype"))).bytesCopied(), "another dtype");
    assertEquals(-1, WritePlans.of(() -> load("i32").write().format("megatron").option("dtype", "uint16")
        .save(out("x_narrow"))).bytesCopied(), "another dtype");
    assertEquals(-1, WritePlans.of(() -> shards.where("_row_index < 100").write().format("megatron")
        .save(out("x_range"))).bytesCopied(), "a _row_index range");
    assertEquals(-1, WritePlans.of(() -> shards.limit(10).write().format("megatron")
        .save(out("x_limit"))).bytesCopied(), "a limit");
    assertEquals(-1, WritePlans.of(() -> shards.selectExpr("tokens", "_row_index AS document").write()
        .format("megatron").save(out("x_document"))).bytesCopied(), "documents of another column");
    assertEquals(-1, WritePlans.of(() -> shards.union(shards).write().format("megatron")
        .save(out("x_union"))).bytesCopied(), "not one scan");
    assertEquals("1940 int32", validate("x_dtype"));
    assertEquals("150 uint16", validate("x_narrow"));
    assertEquals("3880 uint16", validate("x_union"));
    // _row_index is the sequence within its pair: 100 of each pair but c (none) and d (40)
    assertEquals(List.of(340L, 10L), List.of(load("x_range").count(), load("x_limit").count()));
    assertEquals("True", MegatronPython.run(dir, "print(sequences('x_dtype') == sum((sequences('shards/' + s) for s "
        + "in 'abcde'), []))").strip());
  }

  @Test
  void aSourceWhosePointersAreNotTheRunningSumIsRefusedAndNothingIsWritten() throws IOException {
    MegatronPython.run(dir, String.join("\n",
        "import os",
        "os.mkdir('bad')",
        "write_pair('bad/a', np.uint16, [[1, 2], [3], [4, 5, 6]])",
        "write_pair('bad/b', np.uint16, [[7, 8], [9, 10]])",
        "raw = bytearray(open('bad/b.idx', 'rb').read())",
        "raw[34 + 4 * 2:34 + 4 * 2 + 16] = np.array([0, 2], dtype='<i8').tobytes()  # pointer 1 is 4",
        "open('bad/b.idx', 'wb').write(bytes(raw))"));
    Exception e = assertThrows(Exception.class, () -> load("bad").write().format("megatron").save(out("bad_m")));
    StringBuilder messages = new StringBuilder();
    for (Throwable t = e; t != null; t = t.getCause()) {
      messages.append(t.getMessage()).append('\n');
    }
    assertTrue(messages.toString().contains("b.idx") && messages.toString().contains("running sum"),
        messages.toString());
    assertFalse(Files.exists(dir.resolve("bad_m.bin")) || Files.exists(dir.resolve("bad_m.idx")));
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
}
