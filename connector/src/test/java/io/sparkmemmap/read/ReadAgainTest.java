package io.sparkmemmap.read;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkmemmap.Python;
import io.sparkmemmap.QueryPlans;
import io.sparkmemmap.SparkTestSession;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The I/O path across queries of one session: readers that copy values (array columns, pushed aggregates) read a
 * range through the executor's kept mappings, mapped at its first read and kept for the next; scans that hand Spark
 * scalar columns where they lie read them by positioned reads into 1 MiB windows of a reused buffer. The values are
 * NumPy's either way, whatever wrote the file (through a mapping, as {@code open_memmap} does, or by
 * {@code np.save}), across the windows and the partitions' ranges; a file replaced, rewritten or truncated between
 * two queries is read afresh or fails by name, never read stale through a kept mapping.
 */
class ReadAgainTest {
  /** Rows of 5 float32: 52428 fit a 1 MiB window, so windows and partitions end in the middle of runs. */
  private static final int ROWS = 200_003;
  private static final int COLUMNS = 5;
  private static final long DATA_BYTES = (long) ROWS * COLUMNS * 4;

  @TempDir
  static Path dir;

  @BeforeAll
  static void writeFiles() {
    Python.run(String.join("\n",
        "a = " + values("0"),
        "m = np.lib.format.open_memmap(" + Python.literal(dir.resolve("open_memmap.npy")) + ", mode='w+', "
            + "dtype='<f4', shape=a.shape)",
        "for i in range(0, len(a), 4096):",
        "    m[i:i + 4096] = a[i:i + 4096]",
        "m.flush()",
        "del m",
        "np.save(" + Python.literal(dir.resolve("np_save.npy")) + ", a)",
        ""));
  }

  /** NumPy's expression for the test array whose values are shifted by {@code shift}. */
  private static String values(String shift) {
    return "((np.arange(" + ROWS + " * " + COLUMNS + ", dtype=np.int64) + " + shift + ") % 4096 - 2048)"
        + ".astype('<f4').reshape(" + ROWS + ", " + COLUMNS + ")";
  }

  private static float value(long row, int column, long shift) {
    return (float) (Math.floorMod(row * COLUMNS + column + shift, 4096) - 2048);
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"open_memmap.npy", "np_save.npy"})
  void readFirstAndAgainTheValuesAreNumpys(String name) throws IOException {
    Path file = dir.resolve(name);
    SparkSession spark = SparkTestSession.get();
    for (int read = 1; read <= 3; read++) {
      Dataset<Row> rows = spark.read().format("npy").option("maxPartitionBytes", "1500k").load(file.toString())
          .selectExpr("_row_index", "value");
      assertTrue(rows.rdd().getNumPartitions() >= 3);
      List<Row> collected = rows.collectAsList();
      assertEquals(ROWS, collected.size());
      for (int i = 0; i < ROWS; i++) {
        Row row = collected.get(i);
        assertEquals(i, row.getLong(0));
        List<Float> v = row.getList(1);
        for (int j = 0; j < COLUMNS; j++) {
          if (v.get(j) != value(i, j, 0)) {
            assertEquals(value(i, j, 0), v.get(j), "read " + read + ", row " + i + ", column " + j);
          }
        }
      }
      assertEquals(DATA_BYTES, QueryPlans.metric(rows, "bytesMapped"), "read " + read + ": each row's bytes once");
      Dataset<Row> columns = spark.read().format("npy").option("layout", "columns")
          .option("maxPartitionBytes", "1500k").load(file.toString());
      Row sums = columns.selectExpr("sum(c0)", "sum(c4)", "min(c2)", "max(c3)").first();
      Row expected = expectedAggregates(0);
      assertEquals(expected, sums, "read " + read + ": pushed aggregates");
      assertEquals(expected, columns.selectExpr("sum(c0 + 0)", "sum(c4 + 0)", "min(c2 + 0)", "max(c3 + 0)")
          .first(), "read " + read + ": gathered columns, aggregated by Spark");
    }
    assertTrue(!mappingsOf(file).isEmpty(), "read again: kept mapped");
  }

  @Test
  void aFileReplacedOrRewrittenBetweenQueriesIsReadAfresh() throws IOException {
    Path file = dir.resolve("replaced.npy");
    Python.run("np.save(" + Python.literal(file) + ", " + values("0") + ")\n");
    Dataset<Row> sums = SparkTestSession.get().read().format("npy").option("layout", "columns")
        .load(file.toString()).selectExpr("sum(c0)", "sum(c4)", "min(c2)", "max(c3)");
    assertEquals(expectedAggregates(0), sums.first());
    assertEquals(expectedAggregates(0), sums.first());
    assertTrue(!mappingsOf(file).isEmpty(), "read again: kept mapped");

    Python.run(String.join("\n",
        "import os",
        "np.save(" + Python.literal(dir.resolve("next.npy")) + ", " + values("7") + ")",
        "os.replace(" + Python.literal(dir.resolve("next.npy")) + ", " + Python.literal(file) + ")",
        ""));
    assertEquals(expectedAggregates(7), sums.first(), "another file of the same length under the same name");
    assertEquals(expectedAggregates(7), sums.first());

    Python.run(String.join("\n",
        "m = np.load(" + Python.literal(file) + ", mmap_mode='r+')",
        "m[:] = " + values("11"),
        "m.flush()",
        ""));
    assertEquals(expectedAggregates(11), sums.first(), "the same file rewritten in place");
  }

  @Test
  void aFileTruncatedBetweenQueriesFailsByNameAndTheSessionLivesOn() throws IOException {
    Path file = dir.resolve("truncated.npy");
    Python.run("np.save(" + Python.literal(file) + ", " + values("0") + ")\n");
    Dataset<Row> rows = SparkTestSession.get().read().format("npy").load(file.toString());
    assertEquals(ROWS, rows.collectAsList().size());
    assertEquals(ROWS, rows.collectAsList().size());
    assertTrue(!mappingsOf(file).isEmpty(), "read again: kept mapped");
    try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
      f.setLength(DATA_BYTES / 2);
    }
    Exception e = assertThrows(Exception.class, rows::collectAsList);
    assertTrue(e.getMessage().contains(file.toString()) && e.getMessage().contains("truncated or rewritten"),
        e.getMessage());
    assertEquals(3L, SparkTestSession.get().range(3).count(), "the session still runs jobs");
  }

  @Test
  void keptMappingsAreUnmappedWhenReleased() throws IOException, InterruptedException {
    Path file = dir.resolve("released.npy");
    Python.run("np.save(" + Python.literal(file) + ", " + values("0") + ")\n");
    Dataset<Row> df = SparkTestSession.get().read().format("npy").load(file.toString());
    assertEquals(ROWS, df.collectAsList().size());
    assertTrue(!mappingsOf(file).isEmpty(), "read: kept mapped after the task");
    KeptMappings.ofExecutor().releaseAll();
    Unmapper.awaitPending();
    assertEquals(List.of(), mappingsOf(file), "released: unmapped, not left to the collector");
  }

  /** {@code sum(c0), sum(c4), min(c2), max(c3)} of the array shifted by {@code shift}, as Spark types them. */
  private static Row expectedAggregates(long shift) {
    double sum0 = 0;
    double sum4 = 0;
    float min2 = Float.POSITIVE_INFINITY;
    float max3 = Float.NEGATIVE_INFINITY;
    for (long i = 0; i < ROWS; i++) {
      sum0 += value(i, 0, shift);
      sum4 += value(i, 4, shift);
      min2 = Math.min(min2, value(i, 2, shift));
      max3 = Math.max(max3, value(i, 3, shift));
    }
    return org.apache.spark.sql.RowFactory.create(sum0, sum4, min2, max3);
  }

  private static List<String> mappingsOf(Path file) throws IOException {
    return Files.readAllLines(Path.of("/proc/self/maps")).stream()
        .filter(line -> line.endsWith(file.toString())).toList();
  }
}
