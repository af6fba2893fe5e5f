package io.sparkmemmap.read;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkmemmap.Python;
import io.sparkmemmap.QueryPlans;
import io.sparkmemmap.SparkTestSession;
import io.sparkmemmap.SparkValues;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.DataFrameReader;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Files that are not mapped: those of file systems other than the local one (read through a Hadoop stream by
 * positioned reads of exactly each task's bytes), and Fortran-order arrays of more item positions than are worth a
 * mapping each.
 */
class PositionedReadTest {
  @TempDir
  static Path dir;

  private static Map<String, Object> expected;

  @BeforeAll
  static void writeFiles() throws Exception {
    Files.createDirectories(dir.resolve("parts"));
    expected = SparkValues.parseJsonObject(Python.run(String.join("\n",
        "d = " + Python.literal(dir) + " + '/'",
        "a = (np.arange(3000 * 4, dtype='>i4') - 70).reshape(3000, 4)",
        "np.save(d + 'a.npy', a)",
        "np.save(d + 'parts/0.npy', a[:1000]); np.save(d + 'parts/1.npy', a[1000:])",
        "np.savez_compressed(d + 'z.npz', a=a)",
        "w = np.asfortranarray((np.arange(40 * 300, dtype='<f8') / 3).reshape(40, 300))",
        "np.save(d + 'wide_f.npy', w)",
        "c = (np.arange(3000 * 4, dtype='<f4') / 7).reshape(3000, 4)",
        "np.save(d + 'c.npy', c)",
        "emit({'a': [{'value': canon(r)} for r in a], 'w': [{'value': canon(r)} for r in w],",
        "      'c': [{'c%d' % j: canon(v) for j, v in enumerate(r)} for r in c],",
        "      'c_sums': [float(c[:, j].sum(dtype='f8')) for j in range(4)]})",
        "")));
  }

  @Test
  void otherFileSystemsAreReadByPositionedReadsOfEachRange() {
    Dataset<Row> df = nonLocal().option("maxPartitionBytes", "8k").load(uri("a.npy"));
    assertTrue(df.rdd().getNumPartitions() >= 4);
    assertEquals(expected.get("a"), SparkValues.canonical(df.collectAsList()));
    assertEquals(3000L * 16, QueryPlans.metric(df, "bytesMapped"), "each task read its own bytes once");
    Dataset<Row> some = nonLocal().load(uri("a.npy")).where("_row_index between 10 and 19");
    assertEquals(10, some.collectAsList().size());
    assertEquals(10L * 16, QueryPlans.metric(some, "bytesMapped"));
  }

  @Test
  void directoriesAndCompressedArchivesToo() {
    assertEquals(expected.get("a"), SparkValues.canonical(nonLocal().load(uri("parts")).collectAsList()));
    Dataset<Row> z = nonLocal().load(uri("z.npz"));
    assertEquals(expected.get("a"), SparkValues.canonical(z.collectAsList()));
    List<Row> files = nonLocal().load(uri("parts")).select("_file").distinct().collectAsList();
    assertTrue(files.stream().allMatch(r -> r.getString(0).startsWith("nonlocal:")), files.toString());
  }

  /**
   * Strided little-endian columns of read (heap) buffers: gathered into batches, and added up by a pushed SUM, by
   * address in the buffer's array, as they are in a mapping.
   */
  @Test
  void columnsOfReadBuffersAreGatheredAndSummed() {
    Dataset<Row> df = nonLocal().option("layout", "columns").option("maxPartitionBytes", "8k").load(uri("c.npy"));
    assertTrue(df.rdd().getNumPartitions() >= 4);
    assertEquals(expected.get("c"), SparkValues.canonical(df.collectAsList()));
    Dataset<Row> query = df.selectExpr("sum(c0)", "sum(c1)", "sum(c2)", "sum(c3)");
    assertTrue(QueryPlans.scan(query).scan() instanceof NpyAggregateScan, "the sums are computed in the scan");
    Row sums = query.first();
    @SuppressWarnings("unchecked")
    List<Double> numpy = (List<Double>) expected.get("c_sums");
    for (int j = 0; j < 4; j++) {
      assertEquals(numpy.get(j), sums.getDouble(j), 1e-9 * Math.abs(numpy.get(j)), "sum(c" + j + ")");
    }
  }

  /** A task's reads of a remote file are windows of 64 MiB: a range past one is read in two, every row once. */
  @Test
  void readsOfARemoteFileCrossWindows() {
    long rows = FileRows.REMOTE_WINDOW_BYTES / 8 + 5003;
    Python.run("np.save(" + Python.literal(dir.resolve("long.npy")) + ", np.arange(" + rows + ", dtype='<f8'))\n");
    Dataset<Row> df = nonLocal().option("maxPartitionBytes", "1g").load(uri("long.npy"));
    Row check = df.selectExpr("min(value - _row_index)", "max(value - _row_index)", "count(value)").first();
    assertEquals(List.of(0.0, 0.0, rows), List.of(check.getDouble(0), check.getDouble(1), check.getLong(2)),
        "every row at its index, once");
    assertEquals(rows * (rows - 1) / 2.0, df.selectExpr("sum(value)").first().getDouble(0), "pushed sum");
  }

  @Test
  void fortranArraysOfManyItemsAreReadWithoutAMappingPerItem() {
    Dataset<Row> df = SparkTestSession.get().read().format("npy").option("maxPartitionBytes", "16k")
        .load(dir.resolve("wide_f.npy").toString());
    assertTrue(df.rdd().getNumPartitions() >= 4);
    assertEquals(expected.get("w"), SparkValues.canonical(df.collectAsList()));
    assertEquals(40L * 300 * 8, QueryPlans.metric(df, "bytesMapped"));
  }

  private static DataFrameReader nonLocal() {
    return SparkTestSession.get().read().format("npy")
        .option("fs." + NonLocalTestFileSystem.SCHEME + ".impl", NonLocalTestFileSystem.class.getName())
        .option("fs." + NonLocalTestFileSystem.SCHEME + ".impl.disable.cache", "true");
  }

  private static String uri(String name) {
    return NonLocalTestFileSystem.SCHEME + "://" + dir.resolve(name).toAbsolutePath();
  }
}
