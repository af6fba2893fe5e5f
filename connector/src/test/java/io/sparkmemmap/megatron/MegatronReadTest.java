package io.sparkmemmap.megatron;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkmemmap.MegatronPython;
import io.sparkmemmap.QueryPlans;
import io.sparkmemmap.SparkTestSession;
import io.sparkmemmap.SparkValues;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.execution.FilterExec;
import org.apache.spark.sql.execution.LocalTableScanExec;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Pairs written by the Python reimplementation of Megatron's {@code _IndexWriter} (uint16, int32, multimodal, empty
 * sequences and documents, several shards) read back sequence for sequence, document and mode included, in small
 * partitions so that ranges and index slices cross partition boundaries; pushdowns of {@code _row_index}, LIMIT and
 * COUNT(*), and a read of the index alone when no tokens are selected.
 */
class MegatronReadTest {
  @TempDir
  static Path dir;

  @BeforeAll
  static void writePairs() {
    MegatronPython.run(dir, String.join("\n",
        "rng = np.random.default_rng(15)",
        "def corpus(prefix, dtype, s, mm=False):",
        "    hi = 65535 if np.dtype(dtype) == np.uint16 else 2**31 - 1",
        "    seqs = [rng.integers(0, hi, rng.integers(0, 40)).tolist() for _ in range(s)]",
        "    cuts = np.sort(rng.integers(0, s + 1, s // 7 + 2))",
        "    docs = np.concatenate([[0], cuts, [s]]).astype(np.int64)",
        "    modes = rng.integers(-128, 128, s).astype(np.int8) if mm else None",
        "    write_pair(prefix, dtype, seqs, docs, modes)",
        "corpus('u16', np.uint16, 5000)",
        "corpus('i32', np.int32, 1200)",
        "corpus('mm', np.uint16, 300, mm=True)",
        "import os",
        "os.mkdir('shards')",
        "for i in range(3):",
        "    corpus('shards/part_%d_text_document' % i, np.uint16, 100 * (i + 1))",
        "print('ok')"));
  }

  private static SparkSession spark() {
    return SparkTestSession.get();
  }

  private static Dataset<Row> load(String path) {
    return spark().read().format("megatron").option("maxPartitionBytes", "8000")
        .load(dir.resolve(path).toString());
  }

  /** What NumPy reads of the pair: [tokens, document, mode?] per sequence, as JSON. */
  private static Object expected(String prefix, boolean mm) {
    return SparkValues.parseJson(MegatronPython.run(dir, String.join("\n",
        "p = " + io.sparkmemmap.Python.literal(prefix),
        "seqs, docs = sequences(p), documents(p)",
        "modes = validate(p)[4]",
        "emit([dict(tokens=s, document=d, **({'mode': int(modes[i])} if modes is not None else {}))",
        "      for i, (s, d) in enumerate(zip(seqs, docs))])"
    )).strip());
  }

  private static Object actual(Dataset<Row> df, String... columns) {
    return SparkValues.canonical(df.orderBy("_row_index").selectExpr(columns).collectAsList());
  }

  @Test
  void uint16PairReadsSequenceForSequence() {
    Dataset<Row> df = load("u16");
    StructType schema = df.schema();
    assertEquals(DataTypes.createArrayType(DataTypes.IntegerType, false), schema.apply("tokens").dataType());
    assertEquals(DataTypes.LongType, schema.apply("document").dataType());
    assertEquals(List.of("tokens", "document"), List.of(schema.fieldNames()));
    assertTrue(df.rdd().getNumPartitions() > 3, "small partitions: " + df.rdd().getNumPartitions());
    assertEquals(expected("u16", false), actual(df.select("_row_index", "tokens", "document"), "tokens", "document"));
  }

  @Test
  void int32AndMultimodalPairsRead() {
    Dataset<Row> i32 = load("i32.idx");
    assertEquals(DataTypes.createArrayType(DataTypes.IntegerType, false), i32.schema().apply("tokens").dataType());
    assertEquals(expected("i32", false), actual(i32.select("_row_index", "tokens", "document"), "tokens", "document"));
    Dataset<Row> mm = load("mm.bin");
    assertEquals(List.of("tokens", "document", "mode"), List.of(mm.schema().fieldNames()));
    assertEquals(DataTypes.ByteType, mm.schema().apply("mode").dataType());
    assertEquals(expected("mm", true), actual(mm.select("_row_index", "tokens", "document", "mode"), "tokens",
        "document", "mode"));
  }

  @Test
  void manyPrefixesReadAsOneDataset() {
    Dataset<Row> all = load("shards/*");
    assertEquals(600, all.count());
    List<Row> perFile = all.groupBy("_file").count().orderBy("_file").collectAsList();
    assertEquals(3, perFile.size());
    assertTrue(perFile.get(0).getString(0).endsWith("part_0_text_document.bin"), perFile.get(0).getString(0));
    assertEquals(List.of(100L, 200L, 300L), perFile.stream().map(r -> r.getLong(1)).toList());
    assertEquals(600, load("shards").count(), "a directory reads its pairs");
    Object third = expected("shards/part_2_text_document", false);
    // documents are numbered on over the pairs in order, as Megatron's add_index numbers them
    long before = Long.parseLong(MegatronPython.run(dir, "print(sum(parse('shards/part_%d_text_document.idx' % i)[2]"
        + " - 1 for i in range(2)))").strip());
    assertEquals(third, SparkValues.canonical(all.where("_file like '%part_2%'").orderBy("_row_index")
        .selectExpr("tokens", "document - " + before + " AS document").collectAsList()));
  }

  @Test
  void countComesFromTheHeaders() {
    Dataset<Row> count = load("u16").selectExpr("count(*)");
    assertEquals(5000L, count.collectAsList().get(0).getLong(0));
    assertTrue(QueryPlans.contains(count, LocalTableScanExec.class), "answered at planning");
    assertEquals(1000L, load("u16").where("_row_index >= 4000").count());
  }

  @Test
  void rowIndexRangesAndLimitSelectSequences() {
    Dataset<Row> range = load("u16").where("_row_index between 1234 and 1300").select("_row_index", "tokens");
    List<Row> rows = range.collectAsList();
    assertEquals(67, rows.size());
    assertEquals(1234L, rows.get(0).getLong(0));
    assertFalse(QueryPlans.contains(range, FilterExec.class), "no filter left");
    @SuppressWarnings("unchecked")
    List<Object> all = (List<Object>) expected("u16", false);
    assertEquals(all.subList(1234, 1301).stream().map(r -> ((java.util.Map<?, ?>) r).get("tokens")).toList(),
        SparkValues.canonical(range.select("tokens").collectAsList()).stream()
            .map(r -> ((java.util.Map<?, ?>) r).get("tokens")).toList());
    assertEquals(7, load("u16").limit(7).collectAsList().size());
  }

  @Test
  void lengthsComeFromTheIndexAlone() {
    List<Long> expected = ((List<?>) SparkValues.parseJson(MegatronPython.run(dir, String.join("\n",
        "lengths = validate('u16')[1].astype(np.int64)",
        "emit([int(lengths.sum()), int(lengths.max()), int((lengths[100:200] > 20).sum())])")).strip()))
        .stream().map(v -> ((Number) v).longValue()).toList();
    Dataset<Row> lengths = load("u16").selectExpr("sum(_length)", "max(_length)");
    Row row = lengths.collectAsList().get(0);
    assertEquals(expected.subList(0, 2), List.of(row.getLong(0), (long) row.getInt(1)));
    assertEquals(0L, QueryPlans.metric(lengths, "bytesMapped"), "no token read");
    Dataset<Row> filtered = load("u16").where("_row_index >= 100 and _row_index < 200 and _length > 20")
        .select("_row_index");
    assertEquals(expected.get(2).longValue(), filtered.collectAsList().size());
    assertEquals(0L, QueryPlans.metric(filtered, "bytesMapped"), "no token read under a filter");
    Dataset<Row> sizes = load("u16").selectExpr("sum(size(tokens))", "max(size(tokens))");
    Row fromSizes = sizes.collectAsList().get(0);
    assertEquals(expected.subList(0, 2), List.of(fromSizes.getLong(0), (long) fromSizes.getInt(1)),
        "size(tokens) agrees with _length");
    Dataset<Row> withTokens = load("u16").selectExpr("size(tokens) as n", "tokens").where("_row_index < 300");
    assertEquals(300, withTokens.collectAsList().size());
    assertTrue(QueryPlans.metric(withTokens, "bytesMapped") > 0, "tokens selected are read");
  }

  @Test
  void badPairsAreRefusedNamingTheFile() throws java.io.IOException {
    java.nio.file.Path bad = java.nio.file.Files.createDirectories(dir.resolve("bad"));
    MegatronPython.run(bad, String.join("\n",
        "write_pair('ok', np.uint16, [[1, 2, 3], [4, 5], [6]])",
        "import shutil",
        "for name in ['magic', 'short', 'pointers', 'halfidx']:",
        "    shutil.copy('ok.idx', name + '.idx'); shutil.copy('ok.bin', name + '.bin')",
        "b = bytearray(open('magic.idx', 'rb').read()); b[0:4] = b'XXXX'; open('magic.idx', 'wb').write(b)",
        "open('short.bin', 'wb').write(open('ok.bin', 'rb').read()[:-2])",
        "b = bytearray(open('pointers.idx', 'rb').read()); b[34 + 12 + 8:34 + 12 + 16] = (4).to_bytes(8, 'little')",
        "open('pointers.idx', 'wb').write(b)",
        "import os; os.remove('halfidx.bin')",
        "print('ok')"));
    String[][] cases = {
        {"magic", "magic.idx", "not a Megatron .idx file"},
        {"short", "short.idx", "is truncated"},
        {"pointers", "pointers.idx", "pointers must be the running sum"},
        {"halfidx", "halfidx.idx", "does not exist"},
    };
    for (String[] c : cases) {
      Exception e = org.junit.jupiter.api.Assertions.assertThrows(Exception.class, () -> spark().read()
          .format("megatron").load(bad.resolve(c[0]).toString()).collectAsList());
      StringBuilder messages = new StringBuilder();
      for (Throwable t = e; t != null; t = t.getCause()) {
        messages.append(t.getMessage()).append('\n');
      }
      assertTrue(messages.toString().contains(c[1]) && messages.toString().contains(c[2]), c[0] + ": " + messages);
    }
    assertEquals(3, spark().read().format("megatron").load(bad.resolve("ok").toString()).count());
  }
}
