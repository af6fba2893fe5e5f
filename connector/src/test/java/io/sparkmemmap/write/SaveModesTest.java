package io.sparkmemmap.write;

import static io.sparkmemmap.SparkTestSession.longs;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkmemmap.Python;
import io.sparkmemmap.SparkTestSession;
import io.sparkmemmap.SparkValues;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.LongStream;
import java.util.stream.Stream;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every save mode from a plain {@code df.write.format("npy").save(path)}, with Spark's file-source semantics, for
 * directories and single files; appends that grow a file in place; SQL on paths.
 */
class SaveModesTest {
  private static SparkSession spark;

  @TempDir
  Path dir;

  @BeforeAll
  static void session() {
    spark = SparkTestSession.get();
  }

  private static Object canonicalRange(long from, long to) {
    return SparkValues.canonical((Object) LongStream.range(from, to).boxed().toList());
  }

  @Test
  void errorIfExistsIsTheDefault() throws IOException {
    for (boolean single : List.of(false, true)) {
      Path target = dir.resolve("default-" + single);
      longs(0, 10).write().format("npy").option("singleFile", single).save(target.toString());
      Map<String, byte[]> before = NumpyChecks.snapshot(target);
      Exception e = assertThrows(Exception.class,
          () -> longs(10, 20).write().format("npy").option("singleFile", single).save(target.toString()));
      assertTrue(NumpyChecks.messages(e).contains("already exists"), NumpyChecks.messages(e));
      NumpyChecks.assertSameFiles(before, NumpyChecks.snapshot(target));
      NumpyChecks.assertNoStaging(target);
    }
    Path empty = Files.createDirectory(dir.resolve("empty"));
    assertThrows(Exception.class, () -> longs(0, 1).write().format("npy").mode("errorifexists").save(empty.toString()));
    try (Stream<Path> entries = Files.list(empty)) {
      assertEquals(0, entries.count());
    }
  }

  /**
   * A thread without an active session (a pool's thread made before the session, JUnit's timeout threads) still
   * finds the path catalog that gives every save mode: Spark looks catalogs up in the active session's conf.
   */
  @Test
  void aThreadWithoutAnActiveSessionWritesAndReads() throws Exception {
    Path target = dir.resolve("from_another_thread.npy");
    java.util.concurrent.atomic.AtomicReference<Throwable> failure = new java.util.concurrent.atomic.AtomicReference<>();
    Thread writer = new Thread(() -> {
      try {
        org.apache.spark.sql.SparkSession.clearActiveSession();
        longs(0, 10).write().format("npy").option("singleFile", "true").save(target.toString());
        longs(10, 20).write().format("npy").mode("append").save(target.toString());
        assertEquals(20, org.apache.spark.sql.SparkSession.active().read().format("npy").load(target.toString())
            .count());
      } catch (Throwable e) {
        failure.set(e);
      }
    }, "no-active-session");
    writer.start();
    writer.join();
    if (failure.get() != null) {
      throw new AssertionError("a write from a thread without an active session failed", failure.get());
    }
    Map<String, Object> numpy = NumpyChecks.singleFile(target);
    assertEquals("<i8", numpy.get("descr"));
    assertEquals(20, ((List<?>) numpy.get("values")).size());
  }

  @Test
  void ignoreLeavesWhatIsThere() throws IOException {
    Path target = dir.resolve("ignore.npy");
    longs(0, 10).write().format("npy").mode("ignore").option("singleFile", "true").save(target.toString());
    assertEquals(canonicalRange(0, 10), NumpyChecks.singleFile(target).get("values"));
    Map<String, byte[]> before = NumpyChecks.snapshot(target);
    longs(10, 30).write().format("npy").mode("ignore").option("singleFile", "true").save(target.toString());
    NumpyChecks.assertSameFiles(before, NumpyChecks.snapshot(target));
    NumpyChecks.assertNoStaging(target);
  }

  @Test
  void overwriteReplacesWhateverIsThere() throws IOException {
    Path target = dir.resolve("over");
    longs(0, 10).write().format("npy").save(target.toString());
    longs(100, 105).write().format("npy").mode("overwrite").save(target.toString());
    assertEquals(canonicalRange(100, 105), NumpyChecks.directory(target).get("values"));
    // a directory replaced by a single file, and back
    longs(5, 8).write().format("npy").mode("overwrite").option("singleFile", "true").save(target.toString());
    assertTrue(Files.isRegularFile(target));
    assertEquals(canonicalRange(5, 8), NumpyChecks.singleFile(target).get("values"));
    longs(7, 9).write().format("npy").mode("overwrite").option("singleFile", "true").save(target.toString());
    assertEquals(canonicalRange(7, 9), NumpyChecks.singleFile(target).get("values"));
    longs(1, 4).write().format("npy").mode("overwrite").save(target.toString());
    assertEquals(canonicalRange(1, 4), NumpyChecks.directory(target).get("values"));
    NumpyChecks.assertNoStaging(target);
    // what is there need not be an array at all
    Path foreign = Files.createDirectory(dir.resolve("foreign"));
    Files.writeString(foreign.resolve("notes.txt"), "not an array");
    longs(0, 3).write().format("npy").mode("overwrite").save(foreign.toString());
    assertFalse(Files.exists(foreign.resolve("notes.txt")));
    assertEquals(canonicalRange(0, 3), NumpyChecks.directory(foreign).get("values"));
  }

  @Test
  void appendToADirectoryAddsPartsAfterTheExistingOnes() throws IOException {
    Path target = dir.resolve("appended");
    longs(0, 10).write().format("npy").mode("append").option("dtype", "<f4").save(target.toString());
    longs(10, 25).write().format("npy").mode("append").save(target.toString());
    spark.range(25, 40, 1, 12).toDF("value").write().format("npy").mode("append").save(target.toString());
    Map<String, Object> numpy = NumpyChecks.directory(target);
    // the first write fixed the dtype; later appends are cast to it
    assertEquals("<f4", numpy.get("descr"));
    List<Object> expected = new ArrayList<>();
    LongStream.range(0, 40).forEach(v -> expected.add((double) v));
    assertEquals(expected, numpy.get("values"));
    NumpyChecks.assertNoStaging(target);
  }

  @Test
  void appendToASingleFileGrowsItInPlace() throws IOException {
    Path file = dir.resolve("series.npy");
    NumpyChecks.run(String.join("\n",
        "np.save(" + Python.literal(file) + ", np.arange(15, dtype='<f4').reshape(5, 3))",
        "emit(True)"));
    Object inode = Files.getAttribute(file, "unix:ino");
    byte[] before = Files.readAllBytes(file);
    Dataset<Row> rows = spark.range(5, 9, 1, 2)
        .selectExpr("array(cast(id * 3 as double), cast(id * 3 + 1 as double), cast(id * 3 + 2 as double)) as v");
    rows.write().format("npy").mode("append").option("singleFile", "true").save(file.toString());
    Map<String, Object> numpy = NumpyChecks.singleFile(file);
    assertEquals("<f4", numpy.get("descr"));
    List<Object> expected = new ArrayList<>();
    for (int r = 0; r < 9; r++) {
      expected.add(List.of(3.0 * r, 3.0 * r + 1, 3.0 * r + 2));
    }
    assertEquals(expected, numpy.get("values"));
    assertEquals(inode, Files.getAttribute(file, "unix:ino"), "the file was replaced, not grown in place");
    byte[] after = Files.readAllBytes(file);
    assertArrayEquals(java.util.Arrays.copyOfRange(before, 128, before.length),
        java.util.Arrays.copyOfRange(after, 128, before.length), "the old rows moved");
    // append without singleFile to a file still appends to the file
    spark.range(9, 10).selectExpr("array(27.0, 28.0, 29.0) as v").write().format("npy").mode("append")
        .save(file.toString());
    assertEquals(List.of(java.math.BigInteger.valueOf(10), java.math.BigInteger.valueOf(3)),
        NumpyChecks.singleFile(file).get("shape"));
    NumpyChecks.assertNoStaging(file);
  }

  @Test
  void appendThatDoesNotMatchLeavesTheFileUntouched() throws IOException {
    Path file = dir.resolve("fixed.npy");
    NumpyChecks.run(String.join("\n",
        "np.save(" + Python.literal(file) + ", np.zeros((4, 3), '<f4'))",
        "np.save(" + Python.literal(dir.resolve("fortran.npy")) + ", np.asfortranarray(np.zeros((4, 3), '<f4')))",
        "np.save(" + Python.literal(dir.resolve("rec.npy")) + ", np.zeros(4, [('a', '<i4'), ('b', '<f8')]))",
        "emit(True)"));
    byte[] before = Files.readAllBytes(file);
    Dataset<Row> four = spark.range(0, 6, 1, 2).selectExpr("array(1.0f, 2.0f, 3.0f, 4.0f) as v");
    Dataset<Row> three = spark.range(0, 6, 1, 2).selectExpr("array(1.0f, 2.0f, 3.0f) as v");
    assertAppendRefused(four, file, "different lengths");
    assertAppendRefused(three.selectExpr("v", "v as w"), file, "layout=columns");
    Exception e = assertThrows(Exception.class, () -> three.write().format("npy").mode("append")
        .option("dtype", "<f8").save(file.toString()));
    assertTrue(NumpyChecks.messages(e).contains("differs from the dtype '<f4'"), NumpyChecks.messages(e));
    assertArrayEquals(before, Files.readAllBytes(file));
    assertAppendRefused(three, dir.resolve("fortran.npy"), "Fortran order");
    Dataset<Row> wrongField = spark.range(0, 3).selectExpr("cast(id as int) as a", "cast(id as double) as c");
    assertAppendRefused(wrongField, dir.resolve("rec.npy"), "no such column");
    Dataset<Row> rightFields = spark.range(0, 3).selectExpr("cast(id as double) as b", "id as a");
    rightFields.write().format("npy").mode("append").save(dir.resolve("rec.npy").toString());
    assertEquals("[('a', '<i4'), ('b', '<f8')]", NumpyChecks.singleFile(dir.resolve("rec.npy")).get("descr"));
  }

  private void assertAppendRefused(Dataset<Row> df, Path file, String phrase) throws IOException {
    byte[] before = Files.readAllBytes(file);
    Exception e = assertThrows(Exception.class,
        () -> df.write().format("npy").mode("append").option("singleFile", "true").save(file.toString()));
    assertTrue(NumpyChecks.messages(e).contains(phrase), NumpyChecks.messages(e));
    assertArrayEquals(before, Files.readAllBytes(file), "the file changed");
    NumpyChecks.assertNoStaging(file);
  }

  @Test
  void appendToAHeaderWithoutGrowthSpaceRewritesTheFile() throws IOException {
    // numpy before 1.24 left no room for more digits in the shape: this header has no spare byte at all
    Path file = dir.resolve("old.npy");
    NumpyChecks.run(String.join("\n",
        "text = \"{'descr': '<i8', 'fortran_order': False, 'shape': (9,), }\"",
        "pad = 64 - (10 + len(text) + 1) % 64",
        "text = text[:-1] + ' ' * (pad % 64) + '}' + '\\n'",
        "head = b'\\x93NUMPY\\x01\\x00' + len(text).to_bytes(2, 'little') + text.encode('latin1')",
        "assert len(head) % 64 == 0",
        "with open(" + Python.literal(file) + ", 'wb') as f:",
        "    f.write(head + np.arange(9, dtype='<i8').tobytes())",
        "assert np.load(" + Python.literal(file) + ").tolist() == list(range(9))",
        "emit(True)"));
    longs(9, 12).write().format("npy").mode("append").save(file.toString());
    assertEquals(canonicalRange(0, 12), NumpyChecks.singleFile(file).get("values"));
    NumpyChecks.assertNoStaging(file);
  }

  @Test
  void appendToNothingCreates() {
    Path parts = dir.resolve("new-parts");
    longs(0, 4).write().format("npy").mode("append").save(parts.toString());
    assertEquals(canonicalRange(0, 4), NumpyChecks.directory(parts).get("values"));
    Path file = dir.resolve("new.npy");
    longs(0, 4).write().format("npy").mode("append").option("singleFile", "true").save(file.toString());
    assertEquals(canonicalRange(0, 4), NumpyChecks.singleFile(file).get("values"));
  }

  @Test
  void memmapModes() throws IOException {
    Path file = dir.resolve("raw.dat");
    Dataset<Row> ints = spark.range(0, 6, 1, 2).selectExpr("cast(id as int) as v");
    ints.write().format("memmap").option("singleFile", "true").save(file.toString());
    assertThrows(Exception.class, () -> ints.write().format("memmap").option("singleFile", "true")
        .save(file.toString()));
    spark.range(6, 10, 1, 2).selectExpr("cast(id as int) as v").write().format("memmap").mode("append")
        .option("singleFile", "true").save(file.toString());
    Object values = NumpyChecks.run("emit(np.memmap(" + Python.literal(file) + ", '<i4', 'r').tolist())");
    assertEquals(canonicalRange(0, 10), values);
    Path parts = dir.resolve("rawparts");
    ints.write().format("memmap").save(parts.toString());
    ints.write().format("memmap").mode("overwrite").save(parts.toString());
    ints.write().format("memmap").mode("append").save(parts.toString());
    Object all = NumpyChecks.run("emit(np.concatenate([np.memmap(p, '<i4', 'r') for p in parts("
        + Python.literal(parts) + ", '.dat')]).tolist())");
    List<Object> twice = new ArrayList<>();
    twice.addAll((List<?>) canonicalRange(0, 6));
    twice.addAll((List<?>) canonicalRange(0, 6));
    assertEquals(twice, all);
  }

  @Test
  void sqlOnPaths() {
    Path target = dir.resolve("sql.npy");
    String name = "npy.`" + target + "`";
    longs(0, 1).write().format("npy").mode("append").option("singleFile", "true").save(target.toString());
    spark.sql("INSERT INTO " + name + " SELECT id FROM range(1, 5)");
    assertEquals(canonicalRange(0, 5), NumpyChecks.singleFile(target).get("values"));
    assertEquals(10L, spark.sql("SELECT sum(value) FROM " + name).first().getLong(0));
    spark.sql("INSERT OVERWRITE " + name + " SELECT id FROM range(10, 12)");
    assertEquals(canonicalRange(10, 12), NumpyChecks.directory(target).get("values"));
    assertEquals(2L, spark.sql("SELECT * FROM " + name).count());

    // memmap tables take their read options from the catalog's configuration
    Path raw = dir.resolve("sql.dat");
    spark.range(0, 5).selectExpr("cast(id as int) as v").write().format("memmap").option("singleFile", "true")
        .save(raw.toString());
    spark.conf().set("spark.sql.catalog.memmap.dtype", "<i4");
    try {
      assertEquals(10L, spark.sql("SELECT sum(value) FROM memmap.`" + raw + "`").first().getLong(0));
    } finally {
      spark.conf().unset("spark.sql.catalog.memmap.dtype");
    }

    Path created = dir.resolve("created");
    spark.sql("CREATE TABLE npy.`" + created + "` (x DOUBLE, y INT)");
    Map<String, Object> empty = NumpyChecks.directory(created);
    assertEquals("[('x', '<f8'), ('y', '<i4')]", empty.get("descr"));
    assertEquals(List.of(java.math.BigInteger.ZERO), empty.get("shape"));
    spark.sql("INSERT INTO npy.`" + created + "` VALUES (1.5, 2)");
    assertEquals(SparkValues.parseJson("[{\"x\": 1.5, \"y\": 2}]"), NumpyChecks.directory(created).get("values"));

    Path ctas = dir.resolve("ctas.npy");
    spark.sql("CREATE TABLE npy.`" + ctas + "` AS SELECT id AS value FROM range(3)");
    assertEquals(canonicalRange(0, 3), NumpyChecks.directory(ctas).get("values"));
    assertThrows(Exception.class, () -> spark.sql("CREATE TABLE npy.`" + ctas + "` AS SELECT 1 AS value"));
    assertEquals(3L, spark.read().format("npy").load(ctas.toString()).count());
    spark.sql("DROP TABLE npy.`" + ctas + "`");
    assertFalse(Files.exists(ctas));
  }

  @Test
  void dataFrameWriterV2() throws Exception {
    Path target = dir.resolve("v2");
    String name = "npy.`" + target + "`";
    longs(0, 3).writeTo(name).create();
    longs(3, 5).writeTo(name).append();
    assertEquals(canonicalRange(0, 5), NumpyChecks.directory(target).get("values"));
    longs(7, 8).writeTo(name).createOrReplace();
    assertEquals(canonicalRange(7, 8), NumpyChecks.directory(target).get("values"));
    NumpyChecks.assertNoStaging(target);
  }
}
