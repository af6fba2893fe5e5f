package io.sparkmemmap.read;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkmemmap.Python;
import io.sparkmemmap.QueryPlans;
import io.sparkmemmap.SparkTestSession;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One file read by several tasks: every row exactly once and in order, and each task mapping only its own rows,
 * as the scan's {@code bytesMapped} metric shows.
 */
class PartitionedReadTest {
  private static final int ROWS = 20_000;
  private static final int COLUMNS = 8;
  private static final long DATA_BYTES = (long) ROWS * COLUMNS * 8;

  @TempDir
  static Path dir;

  @BeforeAll
  static void writeFiles() {
    Python.run("a = (np.arange(" + ROWS + " * " + COLUMNS + ", dtype='<f8')).reshape(" + ROWS + ", " + COLUMNS + ")\n"
        + "np.save(" + Python.literal(dir.resolve("c.npy")) + ", a)\n"
        + "np.save(" + Python.literal(dir.resolve("f.npy")) + ", np.asfortranarray(a))\n");
  }

  @Test
  void everyRowOnceAndInOrderAcrossPartitions() throws Exception {
    Dataset<Row> df = SparkTestSession.get().read().format("npy").option("maxPartitionBytes", "256k")
        .load(dir.resolve("c.npy").toString()).selectExpr("_row_index", "value");
    int partitions = df.rdd().getNumPartitions();
    assertTrue(partitions >= 4, partitions + " partitions");
    List<Row> rows = df.collectAsList();
    assertEquals(ROWS, rows.size());
    for (int i = 0; i < ROWS; i++) {
      Row row = rows.get(i);
      assertEquals(i, row.getLong(0));
      List<Double> values = row.getList(1);
      for (int j = 0; j < COLUMNS; j++) {
        assertEquals((double) (i * COLUMNS + j), values.get(j), "row " + i);
      }
    }
    long fileBytes = Files.size(dir.resolve("c.npy"));
    assertEquals(DATA_BYTES, QueryPlans.metric(df, "bytesMapped"), "tasks map their own rows only, not the "
        + partitions + " x " + fileBytes + " bytes of whole files");
    assertEquals(DATA_BYTES, QueryPlans.metric(df, "bytesRead"));
    assertEquals(ROWS, QueryPlans.metric(df, "rowsRead"));
  }

  @Test
  void fortranOrderMapsOnlyTheSelectedColumnsSegments() {
    Dataset<Row> df = SparkTestSession.get().read().format("npy").option("layout", "columns")
        .option("maxPartitionBytes", "128k").load(dir.resolve("f.npy").toString()).select("c5");
    assertTrue(df.rdd().getNumPartitions() >= 4);
    List<Row> rows = df.collectAsList();
    for (int i = 0; i < ROWS; i++) {
      assertEquals((double) (i * COLUMNS + 5), rows.get(i).getDouble(0));
    }
    assertEquals((long) ROWS * 8, QueryPlans.metric(df, "bytesMapped"), "one of eight Fortran segments mapped");
  }

  @Test
  void countingRowsMapsNothing() {
    Dataset<Row> df = SparkTestSession.get().read().format("npy").load(dir.resolve("c.npy").toString())
        .selectExpr("_row_index");
    assertEquals(ROWS, df.collectAsList().size());
    assertEquals(0, QueryPlans.metric(df, "bytesMapped"));
  }

  @Test
  void statisticsAreExact() {
    Dataset<Row> df = SparkTestSession.get().read().format("npy").load(dir.resolve("c.npy").toString());
    var stats = df.queryExecution().optimizedPlan().stats();
    assertEquals(ROWS, stats.rowCount().get().longValue());
    assertEquals(DATA_BYTES, stats.sizeInBytes().longValue());
  }
}
