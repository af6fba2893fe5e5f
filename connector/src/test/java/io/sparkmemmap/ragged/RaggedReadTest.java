package io.sparkmemmap.ragged;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkmemmap.Python;
import io.sparkmemmap.QueryPlans;
import io.sparkmemmap.SparkTestSession;
import io.sparkmemmap.SparkValues;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.commons.lang3.exception.ExceptionUtils;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.execution.FilterExec;
import org.apache.spark.sql.execution.LocalTableScanExec;
import org.apache.spark.sql.types.DataTypes;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

/**
 * Ragged arrays made by NumPy read back row for row: the indexed-records recipe's {@code (N, 2)} index of
 * {@code [start, length]} (rows in any order, overlapping, with gaps and empty rows), a CSR index of offsets, a raw
 * data file with option {@code index}; in small partitions so that index slices and element ranges cross partition
 * boundaries. Pushdowns: {@code count(*)} at planning, {@code _row_index} ranges, LIMIT, lengths from the index
 * alone (no data byte mapped). Every bad input is refused naming the file and the problem.
 */
class RaggedReadTest {
  @TempDir
  static Path dir;

  /** What NumPy says each dataset's rows are, by name. */
  private static Map<String, Object> expected;

  @BeforeAll
  static void makeArrays() {
    expected = SparkValues.parseJsonObject(Python.run(dir, String.join("\n",
        "import os",
        "rng = np.random.default_rng(15)",
        "def save(name, data, index):",
        "    os.makedirs(name, exist_ok=True)",
        "    np.save(name + '/data.npy', data)",
        "    np.save(name + '/index.npy', index)",
        // the recipe: tokens stored once, rows in any order, overlapping, with gaps and empty rows
        "n = 3000",
        "lengths = rng.integers(0, 30, n)",
        "offsets = np.concatenate([[0], np.cumsum(lengths)])",
        "tokens = rng.integers(0, 65535, int(offsets[-1]) + 50).astype(np.uint16)",
        "order = rng.permutation(n)",
        "pairs = np.stack([offsets[:-1][order], lengths[order]], axis=1).astype(np.int64)",
        "pairs[10] = [5, 40]",
        "pairs[11] = [0, 0]",
        "save('seed', tokens, pairs)",
        "save('seed_copy', tokens, pairs[:500])",
        "values = rng.standard_normal(int(offsets[-1])).astype(np.float32)",
        "save('csr', values, offsets.astype(np.int64))",
        "with open('values.dat', 'wb') as f:",
        "    f.write(b'HEAD' * 4)",
        "    values.astype('>f8').tofile(f)",
        "np.save('values_index.npy', pairs[pairs[:, 0] + pairs[:, 1] <= len(values)])",
        // bad inputs
        "save('float_index', tokens, pairs.astype(np.float64))",
        "save('three_columns', tokens, np.zeros((4, 3), np.int64))",
        "bad = pairs.copy(); bad[2500, 1] = -3; save('negative_length', tokens, bad)",
        "bad = pairs.copy(); bad[1700] = [len(tokens) - 1, 2]; save('past_end', tokens, bad)",
        "bad = offsets.astype(np.int64); bad[2222] = bad[2221] - 1; save('decreasing', values, bad)",
        "save('data_2d', np.zeros((3, 4), np.float32), np.zeros((1, 2), np.int64))",
        "os.makedirs('no_index'); np.save('no_index/data.npy', tokens)",
        "os.makedirs('no_data'); np.save('no_data/index.npy', pairs)",
        "def rows(data, starts, lengths): return [canon(data[s:s + l]) for s, l in zip(starts, lengths)]",
        "vi = np.load('values_index.npy')",
        "emit({'seed': rows(tokens, pairs[:, 0], pairs[:, 1]),",
        "      'csr': rows(values, offsets[:-1], lengths),",
        "      'raw': rows(values.astype('>f8'), vi[:, 0], vi[:, 1]),",
        "      'seedElements': int(pairs[:, 1].sum()), 'seedMax': int(pairs[:, 1].max())})")));
  }

  private static SparkSession spark() {
    return SparkTestSession.get();
  }

  private static Dataset<Row> load(String name) {
    return spark().read().format("ragged").option("maxPartitionBytes", "16000").load(dir.resolve(name).toString());
  }

  private static List<Object> values(Dataset<Row> df) {
    return SparkValues.canonical(df.orderBy("_row_index").select("value").collectAsList()).stream()
        .map(row -> ((Map<?, ?>) row).get("value"))
        .collect(Collectors.toList());
  }

  @Test
  void seedStylePairsReadRowForRow() {
    Dataset<Row> df = load("seed");
    assertEquals(List.of("value"), List.of(df.schema().fieldNames()));
    assertEquals(DataTypes.createArrayType(DataTypes.IntegerType, false), df.schema().apply("value").dataType(),
        "uint16 widened to int, no null elements");
    assertTrue(df.rdd().getNumPartitions() > 3, "small partitions: " + df.rdd().getNumPartitions());
    assertEquals(expected.get("seed"), values(df));
  }

  @Test
  void csrOffsetsReadRowForRow() {
    Dataset<Row> df = load("csr");
    assertEquals(DataTypes.createArrayType(DataTypes.FloatType, false), df.schema().apply("value").dataType());
    assertEquals(expected.get("csr"), values(df));
    List<Row> files = df.select("_file").distinct().collectAsList();
    assertEquals(1, files.size());
    assertTrue(files.get(0).getString(0).endsWith("/csr/data.npy"), files.get(0).getString(0));
  }

  @Test
  void rawDataFileWithIndexOption() {
    Dataset<Row> df = spark().read().format("ragged")
        .option("index", dir.resolve("values_index.npy").toString())
        .option("dtype", ">f8").option("offset", "16")
        .load(dir.resolve("values.dat").toString());
    assertEquals(DataTypes.createArrayType(DataTypes.DoubleType, false), df.schema().apply("value").dataType());
    assertEquals(expected.get("raw"), values(df));
  }

  @Test
  void countComesFromTheIndexHeader() {
    Dataset<Row> count = load("seed").selectExpr("count(*)");
    assertEquals(3000L, count.collectAsList().get(0).getLong(0));
    assertTrue(QueryPlans.contains(count, LocalTableScanExec.class), "answered at planning");
    assertEquals(1000L, load("seed").where("_row_index >= 2000").count());
    Dataset<Row> sql = spark().sql("SELECT count(*) FROM ragged.`" + dir.resolve("csr") + "`");
    assertEquals(3000L, sql.collectAsList().get(0).getLong(0));
    Dataset<Row> glob = load("seed*");
    assertEquals(3500L, glob.count(), "a glob of directories reads as one dataset");
    List<Row> perFile = glob.groupBy("_file").count().orderBy("_file").collectAsList();
    assertTrue(perFile.get(0).getString(0).endsWith("/seed/data.npy"), perFile.get(0).getString(0));
    assertEquals(List.of(3000L, 500L), perFile.stream().map(r -> r.getLong(1)).toList());
  }

  @Test
  void rowIndexRangesAndLimitSelectRows() {
    Dataset<Row> range = load("seed").where("_row_index between 1234 and 1300").select("_row_index", "value");
    List<Row> rows = range.orderBy("_row_index").collectAsList();
    assertEquals(67, rows.size());
    assertEquals(1234L, rows.get(0).getLong(0));
    assertFalse(QueryPlans.contains(range, FilterExec.class), "no filter left");
    @SuppressWarnings("unchecked")
    List<Object> all = (List<Object>) expected.get("seed");
    assertEquals(all.subList(1234, 1301), values(range));
    assertEquals(7, load("seed").limit(7).collectAsList().size());
    List<Row> sql = spark().sql("SELECT value FROM ragged.`" + dir.resolve("seed") + "` WHERE _row_index = 10")
        .collectAsList();
    assertEquals(List.of(all.get(10)), SparkValues.canonical(sql).stream().map(r -> ((Map<?, ?>) r).get("value"))
        .toList());
  }

  @Test
  void lengthsComeFromTheIndexAlone() {
    Dataset<Row> lengths = load("seed").selectExpr("sum(_length)", "max(_length)");
    Row row = lengths.collectAsList().get(0);
    assertEquals(((Number) expected.get("seedElements")).longValue(), row.getLong(0));
    assertEquals(((Number) expected.get("seedMax")).intValue(), row.getInt(1));
    assertEquals(0L, QueryPlans.metric(lengths, "bytesMapped"), "no element read");
    assertEquals(0L, QueryPlans.metric(lengths, "bytesRead"), "no element read");
    Dataset<Row> fromValues = load("seed").selectExpr("sum(size(value))", "max(size(value))");
    assertEquals(row, fromValues.collectAsList().get(0));
  }

  private static String refused(Executable read) {
    Exception e = assertThrows(Exception.class, read);
    return ExceptionUtils.getThrowableList(e).stream().map(Throwable::getMessage).collect(Collectors.joining("\n"));
  }

  private static void assertRefused(String name, String... fragments) {
    String file = dir.resolve(name).toString();
    String message = refused(() -> load(name).select("value").collectAsList());
    assertTrue(message.contains(file), message);
    for (String fragment : fragments) {
      assertTrue(message.contains(fragment), message);
    }
  }

  @Test
  void badInputIsRefusedNamingTheFile() {
    assertRefused("float_index", "index.npy: the index of a ragged array must be int64", "'<f8'");
    assertRefused("three_columns", "index.npy: the index of a ragged array must have shape (N, 2)", "(4, 3)");
    assertRefused("negative_length", "index.npy: row 2500 has negative length -3");
    assertRefused("past_end", "index.npy: row 1700 is elements [", "past the end of");
    assertRefused("decreasing", "index.npy: offsets must not decrease", "offset 2222");
    assertRefused("data_2d", "data.npy: the data of a ragged array must be 1-D", "(3, 4)");
    assertRefused("no_index", "no_index/index.npy: does not exist", "has no index.npy");
    assertRefused("no_data", "no_data/data.npy: does not exist", "has no data.npy");
    String raw = refused(() -> spark().read().format("ragged")
        .option("index", dir.resolve("values_index.npy").toString()).load(dir.resolve("values.dat").toString()));
    assertTrue(raw.contains("values.dat: is not a .npy file") && raw.contains("option 'dtype'"), raw);
    String file = refused(() -> load("values.dat"));
    assertTrue(file.contains("values.dat: is a file") && file.contains("option 'index'"), file);
    String dirWithIndex = refused(() -> spark().read().format("ragged")
        .option("index", dir.resolve("seed/index.npy").toString()).load(dir.resolve("seed").toString()));
    assertTrue(dirWithIndex.contains(dir.resolve("seed") + ": is a directory"), dirWithIndex);
    String missing = refused(() -> load("nothing-here"));
    assertTrue(missing.contains("path does not exist") && missing.contains("nothing-here"), missing);
  }
}
