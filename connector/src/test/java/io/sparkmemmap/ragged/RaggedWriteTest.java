package io.sparkmemmap.ragged;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkmemmap.Python;
import io.sparkmemmap.SparkTestSession;
import io.sparkmemmap.SparkValues;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.commons.lang3.exception.ExceptionUtils;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code df.write.format("ragged")} from several partitions makes one {@code data.npy} + {@code index.npy} pair that
 * NumPy reads: {@code data[start:start + length]} is each row, in the DataFrame's order, and the ragged source reads
 * it back. The dtype option casts; every save mode (append shifts the new rows' starts past the old data); SQL
 * INSERT and CREATE TABLE; nulls, other column types and options refused with nothing left behind.
 */
class RaggedWriteTest {
  @TempDir
  Path dir;

  private static SparkSession spark;

  @BeforeAll
  static void session() {
    spark = SparkTestSession.get();
  }

  /** Rows {@code [from, to)}: row i is {@code [10 i, 10 i + 1, ...]} with {@code i % 6} elements, in 4 partitions. */
  private static Dataset<Row> rows(long from, long to) {
    return spark.range(from, to, 1, 4).selectExpr(
        "transform(array_repeat(cast(id AS int), cast(id % 6 AS int)), (x, i) -> x * 10 + i) AS value");
  }

  /** NumPy's view of the pair: dtypes, shapes, whether starts are contiguous, and each row as a list. */
  private static Map<String, Object> numpy(Path target) {
    return SparkValues.parseJsonObject(Python.run(String.join("\n",
        "d = " + Python.literal(target),
        "data = np.load(d + '/data.npy', mmap_mode='r')",
        "index = np.load(d + '/index.npy', mmap_mode='r')",
        "starts, lengths = index[:, 0], index[:, 1]",
        "contiguous = bool(len(index) == 0 or (starts[0] == 0 and (starts[1:] == starts[:-1] + lengths[:-1]).all()",
        "    and starts[-1] + lengths[-1] == len(data)))",
        "emit({'data': str(data.dtype.str), 'index': str(index.dtype.str), 'indexShape': list(index.shape),",
        "      'contiguous': contiguous, 'rows': [canon(data[s:s + l]) for s, l in index]})")));
  }

  /** What each row {@code [from, to)} of {@link #rows} is. */
  private static List<Object> expectedRows(long from, long to) {
    return java.util.stream.LongStream.range(from, to)
        .mapToObj(i -> (Object) java.util.stream.LongStream.range(0, i % 6).map(k -> i * 10 + k).boxed().toList())
        .toList();
  }

  private static List<Object> readBack(Path target) {
    return SparkValues.canonical(spark.read().format("ragged").load(target.toString()).orderBy("_row_index")
        .select("value").collectAsList()).stream().map(r -> ((Map<?, ?>) r).get("value")).collect(Collectors.toList());
  }

  @Test
  void onePairFromManyPartitionsThatNumpyReads() {
    Path target = dir.resolve("tokens");
    rows(0, 1000).write().format("ragged").save(target.toString());
    Map<String, Object> pair = numpy(target);
    assertEquals("<i4", pair.get("data"));
    assertEquals("<i8", pair.get("index"));
    assertEquals(List.of(1000L, 2L), ((List<?>) pair.get("indexShape")).stream()
        .map(n -> ((Number) n).longValue()).toList());
    assertEquals(true, pair.get("contiguous"), "starts are the running sum of the lengths");
    assertEquals(SparkValues.canonical(expectedRows(0, 1000)), pair.get("rows"));
    assertEquals(pair.get("rows"), readBack(target));
    assertEquals(List.of("data.npy", "index.npy"), names(target));
    assertNoStaging(target);
  }

  @Test
  void dtypeCastsTheElementsAndAReadDataFrameKeepsItsDtype() {
    Path target = dir.resolve("u2");
    rows(0, 300).write().format("ragged").option("dtype", "uint16").save(target.toString());
    Map<String, Object> pair = numpy(target);
    assertEquals("<u2", pair.get("data"));
    assertEquals(SparkValues.canonical(expectedRows(0, 300)), pair.get("rows"));
    Path copy = dir.resolve("copy");
    spark.read().format("ragged").load(target.toString()).write().format("ragged").save(copy.toString());
    assertEquals("<u2", numpy(copy).get("data"), "the element dtype travels in the field metadata");
    String overflow = refused(() -> rows(0, 300).write().format("ragged").option("dtype", "int8")
        .save(dir.resolve("i1").toString()));
    assertTrue(overflow.contains(dir.resolve("i1").toString()) && overflow.contains("value"), overflow);
    assertNothingAt(dir.resolve("i1"));
  }

  @Test
  void everySaveMode() throws IOException {
    Path target = dir.resolve("modes");
    String path = target.toString();
    rows(0, 100).write().format("ragged").save(path);
    Map<String, byte[]> first = snapshot(target);
    String exists = refused(() -> rows(100, 200).write().format("ragged").save(path));
    assertTrue(exists.contains("already exists"), exists);
    rows(100, 200).write().format("ragged").mode("ignore").save(path);
    assertSameFiles(first, snapshot(target));

    rows(200, 260).write().format("ragged").mode("append").save(path);
    rows(260, 300).write().format("ragged").mode("append").save(path);
    Map<String, Object> appended = numpy(target);
    assertEquals(true, appended.get("contiguous"), "appended starts continue after the old data");
    List<Object> expected = new java.util.ArrayList<>(expectedRows(0, 100));
    expected.addAll(expectedRows(200, 300));
    assertEquals(SparkValues.canonical(expected), appended.get("rows"));

    rows(500, 540).write().format("ragged").mode("overwrite").save(path);
    assertEquals(SparkValues.canonical(expectedRows(500, 540)), numpy(target).get("rows"));
    assertEquals(List.of("data.npy", "index.npy"), names(target));

    Map<String, byte[]> before = snapshot(target);
    String otherDtype = refused(() -> rows(0, 10).write().format("ragged").mode("append").option("dtype", "<f8")
        .save(path));
    assertTrue(otherDtype.contains("differs from the dtype '<i4'"), otherDtype);
    assertSameFiles(before, snapshot(target));
    assertNoStaging(target);

    Path missing = dir.resolve("appended-to-nothing");
    rows(0, 20).write().format("ragged").mode("append").save(missing.toString());
    assertEquals(SparkValues.canonical(expectedRows(0, 20)), numpy(missing).get("rows"));
  }

  @Test
  void appendRefusesWhatItCannotGrow() throws IOException {
    Path csr = dir.resolve("csr");
    Python.run(String.join("\n",
        "import os; d = " + Python.literal(csr) + "; os.makedirs(d)",
        "np.save(d + '/data.npy', np.arange(5, dtype=np.int32))",
        "np.save(d + '/index.npy', np.array([0, 2, 5], dtype=np.int64))"));
    Map<String, byte[]> before = snapshot(csr);
    String message = refused(() -> rows(0, 10).write().format("ragged").mode("append").save(csr.toString()));
    assertTrue(message.contains(csr.resolve("index.npy").toString()) && message.contains("(N, 2)")
        && message.contains("shape (3,)"), message);
    assertSameFiles(before, snapshot(csr));
    Files.delete(csr.resolve("index.npy"));
    String half = refused(() -> rows(0, 10).write().format("ragged").mode("append").save(csr.toString()));
    assertTrue(half.contains("has no index.npy"), half);
  }

  @Test
  void sqlInsertAndCreateTable() {
    Path target = dir.resolve("sql");
    spark.sql("CREATE TABLE ragged.`" + target + "` (value array<int>) USING ragged");
    spark.sql("CREATE TABLE ragged_sql USING ragged LOCATION '" + target + "'");
    try {
      Map<String, Object> empty = numpy(target);
      assertEquals(List.of(0L, 2L), ((List<?>) empty.get("indexShape")).stream()
          .map(n -> ((Number) n).longValue()).toList());
      assertEquals("<i4", empty.get("data"));
      rows(0, 50).createOrReplaceTempView("ragged_rows");
      spark.sql("INSERT INTO ragged_sql SELECT value FROM ragged_rows");
      spark.sql("INSERT INTO ragged.`" + target + "` SELECT value FROM ragged_rows WHERE size(value) > 3");
      List<Object> expected = new java.util.ArrayList<>(expectedRows(0, 50));
      expectedRows(0, 50).stream().filter(r -> ((List<?>) r).size() > 3).forEach(expected::add);
      assertEquals(SparkValues.canonical(expected), numpy(target).get("rows"));
      assertEquals(expected.size(), spark.sql("SELECT count(*) FROM ragged_sql").collectAsList().get(0).getLong(0));
    } finally {
      spark.sql("DROP TABLE IF EXISTS ragged_sql");
    }
  }

  @Test
  void columnOptionChoosesTheArrayColumn() {
    Dataset<Row> two = rows(0, 30).selectExpr("value AS tokens", "size(value) AS n");
    Path target = dir.resolve("chosen");
    String ambiguous = refused(() -> two.write().format("ragged").save(target.toString()));
    assertTrue(ambiguous.contains("choose it with option column") && ambiguous.contains("[tokens, n]"), ambiguous);
    String scalar = refused(() -> two.write().format("ragged").option("column", "n").save(target.toString()));
    assertTrue(scalar.contains("column 'n' is int, not an array"), scalar);
    String unknown = refused(() -> two.write().format("ragged").option("column", "x").save(target.toString()));
    assertTrue(unknown.contains("option 'column' names 'x'"), unknown);
    assertNothingAt(target);
    two.write().format("ragged").option("column", "tokens").save(target.toString());
    assertEquals(SparkValues.canonical(expectedRows(0, 30)), numpy(target).get("rows"));
  }

  @Test
  void nullsAndUnwritableColumnsAreRefusedLeavingNothing() throws IOException {
    Path target = dir.resolve("refused");
    String path = target.toString();
    String nullRow = refused(() -> rows(0, 400).selectExpr("IF(get(value, 0) = 3990, NULL, value) AS value").write()
        .format("ragged").save(path));
    assertTrue(nullRow.contains(path) && nullRow.contains("column 'value' holds a null array"), nullRow);
    assertNothingAt(target);
    String nullElement = refused(() -> rows(0, 400)
        .selectExpr("transform(value, x -> IF(x = 3991, NULL, x)) AS value").write().format("ragged").save(path));
    assertTrue(nullElement.contains(path) && nullElement.contains("element 1 of row"), nullElement);
    assertNothingAt(target);

    rows(396, 400).selectExpr("transform(value, x -> IF(x = 3991, NULL, x)) AS value").write().format("ragged")
        .option("nullValue", "-1").save(path);
    assertEquals(SparkValues.parseJson("[[], [3970], [3980, 3981], [3990, -1, 3992]]"), numpy(target).get("rows"));
    Map<String, byte[]> filled = snapshot(target);
    String nested = refused(() -> rows(0, 4).selectExpr("array(value) AS value").write().format("ragged")
        .mode("overwrite").save(path));
    assertTrue(nested.contains("array<array<int>>: the elements of a ragged array are scalars"), nested);
    String single = refused(() -> rows(0, 4).write().format("ragged").option("singleFile", "true")
        .mode("overwrite").save(path));
    assertTrue(single.contains("option 'singleFile' does not apply"), single);
    assertSameFiles(filled, snapshot(target));
    assertNoStaging(target);
  }

  // ---- helpers -------------------------------------------------------------------------------------------------

  private static String refused(Executable write) {
    Exception e = assertThrows(Exception.class, write);
    return ExceptionUtils.getThrowableList(e).stream().map(Throwable::getMessage).collect(Collectors.joining("\n"));
  }

  private static List<String> names(Path target) {
    try (Stream<Path> files = Files.list(target)) {
      return files.map(p -> p.getFileName().toString()).sorted().toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void assertNoStaging(Path target) {
    try (Stream<Path> siblings = Files.list(target.getParent())) {
      assertEquals(List.of(), siblings.map(p -> p.getFileName().toString())
          .filter(n -> n.startsWith("." + target.getFileName() + ".spark-memmap-")).toList(), "staging left");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void assertNothingAt(Path target) {
    assertFalse(Files.exists(target), target + " exists");
    assertNoStaging(target);
  }

  private static Map<String, byte[]> snapshot(Path target) throws IOException {
    Map<String, byte[]> files = new TreeMap<>();
    for (String name : names(target)) {
      files.put(name, Files.readAllBytes(target.resolve(name)));
    }
    return files;
  }

  private static void assertSameFiles(Map<String, byte[]> expected, Map<String, byte[]> actual) {
    assertEquals(expected.keySet(), actual.keySet());
    expected.forEach((name, bytes) -> assertTrue(java.util.Arrays.equals(bytes, actual.get(name)), name));
  }
}
