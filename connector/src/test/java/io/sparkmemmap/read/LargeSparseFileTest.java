package io.sparkmemmap.read;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkmemmap.Python;
import io.sparkmemmap.QueryPlans;
import io.sparkmemmap.SparkTestSession;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.sql.DataFrameReader;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An 8 GiB file of 2^31 + 100 int32 values, sparse (no disk cost), with known values at a few rows: rows past
 * 2^31, byte offsets past 4 GiB, and a task crossing from one span of 1 GiB to the next.
 */
class LargeSparseFileTest {
  private static final long ROWS = (1L << 31) + 100;
  /** Rows a span of 1 GiB holds: a task reading from row {@code START} switches spans at {@code START + WINDOW}. */
  private static final long WINDOW = FileRows.MAX_SPAN_BYTES / 4;
  private static final long START = (1L << 28) - 5;

  @TempDir
  static Path dir;

  private static Path file;

  @BeforeAll
  static void writeFile() {
    file = dir.resolve("big.npy");
    Python.run(String.join("\n",
        "m = np.lib.format.open_memmap(" + Python.literal(file) + ", mode='w+', dtype='<i4', shape=(" + ROWS + ",))",
        "start, window = " + START + ", " + WINDOW,
        "for row, value in [(0, 1), (start, 2), (start + window - 1, 3), (start + window, 4),",
        "                   (2**31 - 1, 5), (2**31, 6), (2**31 + 99, 7)]:",
        "    m[row] = value",
        "m.flush()",
        ""));
  }

  @Test
  void theFileIsSparseAndLarge() throws Exception {
    assertTrue(Files.size(file) > (8L << 30), "over 8 GiB long");
  }

  @Test
  void rowsBeyondTwoToThe31AreReadAtTheirIndex() {
    Dataset<Row> df = read().where("_row_index >= " + ((1L << 31) - 2)).selectExpr("_row_index", "value");
    List<Row> rows = df.collectAsList();
    assertEquals(102, rows.size());
    assertEquals((1L << 31) - 2, rows.get(0).getLong(0));
    assertEquals(5, rows.get(1).getInt(1));
    assertEquals(1L << 31, rows.get(2).getLong(0));
    assertEquals(6, rows.get(2).getInt(1));
    assertEquals(ROWS - 1, rows.get(101).getLong(0));
    assertEquals(7, rows.get(101).getInt(1));
    assertEquals(102 * 4, QueryPlans.metric(df, "bytesMapped"), "only the selected rows are mapped");
  }

  /** Read twice: the first time mapping each span, the second through the spans' kept mappings. */
  @Test
  void aTaskReadsAcrossSpans() {
    long end = START + WINDOW + 10;
    for (int read = 1; read <= 2; read++) {
      Dataset<Row> df = reader().option("maxPartitionBytes", "2g").load(file.toString())
          .where("_row_index >= " + START + " and _row_index < " + end).where("value != 0")
          .selectExpr("_row_index", "value");
      List<Row> rows = df.collectAsList();
      assertEquals(3, rows.size(), rows.toString());
      assertEquals(List.of(START, START + WINDOW - 1, START + WINDOW), rows.stream().map(r -> r.getLong(0))
          .toList(), "read " + read);
      assertEquals(List.of(2, 3, 4), rows.stream().map(r -> r.getInt(1)).toList(), "read " + read);
      assertEquals((end - START) * 4, QueryPlans.metric(df, "bytesMapped"), "two spans, nothing else");
    }
  }

  private static DataFrameReader reader() {
    return SparkTestSession.get().read().format("npy");
  }

  private static Dataset<Row> read() {
    return reader().load(file.toString());
  }
}
