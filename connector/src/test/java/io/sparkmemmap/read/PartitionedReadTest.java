package io.sparkmemmap.read;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkmemmap.ArrayFormat;
import io.sparkmemmap.Python;
import io.sparkmemmap.QueryPlans;
import io.sparkmemmap.SparkTestSession;
import io.sparkmemmap.catalog.NpyTable;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.connector.read.Batch;
import org.apache.spark.sql.connector.read.InputPartition;
import org.apache.spark.sql.connector.read.PartitionReader;
import org.apache.spark.sql.util.CaseInsensitiveStringMap;
import org.apache.spark.sql.vectorized.ColumnarBatch;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One file read by several tasks: every row exactly once and in order, and each task reading only its own rows, as
 * the scan's {@code bytesMapped} metric shows; partition and batch sizes. Mappings kept from task to task:
 * {@link ReadAgainTest}.
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

  @Test
  void maxPartitionBytesDefaultsToTheSessionsFileSetting() {
    SparkSession spark = SparkTestSession.get();
    String c = dir.resolve("c.npy").toString();
    // 1.28 MB is less than Spark's open cost of 4 MB per file: one partition under the default 128 MiB
    assertEquals(1, spark.read().format("npy").load(c).rdd().getNumPartitions());
    spark.conf().set("spark.sql.files.maxPartitionBytes", "128k");
    try {
      assertEquals(10, spark.read().format("npy").load(c).rdd().getNumPartitions(), "1,280,000 bytes / 128 KiB");
      assertEquals(3, spark.read().format("npy").option("maxPartitionBytes", "512k").load(c).rdd()
          .getNumPartitions(), "the option wins over the session's setting");
    } finally {
      spark.conf().unset("spark.sql.files.maxPartitionBytes");
    }
  }

  @Test
  void batchesHoldBatchSizeRows() throws IOException {
    assertEquals(List.of(4096, 4096, 4096, 4096, 3616), batchRows(Map.of()), "4096 rows by default");
    assertEquals(List.of(7000, 7000, 6000), batchRows(Map.of("batchSize", "7000")));
    assertEquals(List.of(20_000), batchRows(Map.of("batchSize", "1000000")));
  }

  /** The row counts of the batches the one partition of c.npy reads as, with the given options. */
  private static List<Integer> batchRows(Map<String, String> options) throws IOException {
    SparkTestSession.get(); // the table reads the session's Hadoop configuration
    Map<String, String> all = new HashMap<>(options);
    all.put("path", dir.resolve("c.npy").toString());
    Batch batch = new NpyTable(ArrayFormat.NPY, null, all).newScanBuilder(CaseInsensitiveStringMap.empty()).build()
        .toBatch();
    InputPartition[] partitions = batch.planInputPartitions();
    assertEquals(1, partitions.length);
    List<Integer> rows = new ArrayList<>();
    try (PartitionReader<ColumnarBatch> reader = batch.createReaderFactory().createColumnarReader(partitions[0])) {
      while (reader.next()) {
        ColumnarBatch columns = reader.get();
        rows.add(columns.numRows());
        double last = columns.column(0).getArray(columns.numRows() - 1).getDouble(COLUMNS - 1);
        assertEquals(rows.stream().mapToInt(Integer::intValue).sum() * COLUMNS - 1, last, 0.0);
      }
    }
    return rows;
  }
}
