package io.sparkmemmap.read;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkmemmap.ArrayFormat;
import io.sparkmemmap.Python;
import io.sparkmemmap.SparkTestSession;
import io.sparkmemmap.catalog.NpyTable;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.connector.read.Batch;
import org.apache.spark.sql.connector.read.InputPartition;
import org.apache.spark.sql.connector.read.PartitionReader;
import org.apache.spark.sql.util.CaseInsensitiveStringMap;
import org.apache.spark.sql.vectorized.ColumnarBatch;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bad input gets an error naming the file and what is wrong, and a file truncated under a running read is an
 * exception, never a dead executor.
 */
class ReadErrorsTest {
  private static final int ROWS = 100_000;

  @TempDir
  static Path dir;

  @BeforeAll
  static void writeFiles() throws IOException {
    Python.run(String.join("\n",
        "d = " + Python.literal(dir) + " + '/'",
        "np.save(d + 'short.npy', np.arange(1000, dtype='<f8'))",
        "np.save(d + 'minutes.npy', np.array([0, 2**40], 'M8[m]'))",
        "for name in ['victim.npy', 'planned.npy']:",
        "    np.save(d + name, np.arange(" + ROWS + ", dtype='<f8'))",
        ""));
    Files.write(dir.resolve("text.npy"), "just some text, not an array".getBytes());
    Files.write(dir.resolve("version9.npy"), new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 9, 0, 0, 0});
    try (RandomAccessFile file = new RandomAccessFile(dir.resolve("short.npy").toFile(), "rw")) {
      file.setLength(file.length() - 100);
    }
  }

  @Test
  void notAnNpyFile() {
    assertError("text.npy", "text.npy");
    assertError("version9.npy", "version9.npy");
  }

  @Test
  void dataShorterThanTheHeaderSaysFailsAtPlanning() {
    Exception e = assertError("short.npy", "short.npy");
    assertTrue(e.getMessage().contains("8000") && e.getMessage().contains("7900"), e.getMessage());
  }

  @Test
  void valuesOutsideSparksRangeAreErrorsNamingTheFix() {
    Exception e = assertThrows(Exception.class, () -> read("minutes.npy").collect());
    assertTrue(e.getMessage().contains("minutes.npy") && e.getMessage().contains("datetimeAsLong"), e.getMessage());
    assertEquals(2, read("minutes.npy").count(), "counting needs no values");
  }

  @Test
  void aFileTruncatedAfterPlanningFailsTheTaskByName() throws IOException {
    Dataset<Row> df = read("planned.npy");
    assertEquals(1, df.schema().size());
    try (RandomAccessFile file = new RandomAccessFile(dir.resolve("planned.npy").toFile(), "rw")) {
      file.setLength(1000);
    }
    Exception e = assertThrows(Exception.class, df::collect);
    assertTrue(e.getMessage().contains("planned.npy") && e.getMessage().contains("truncated"), e.getMessage());
  }

  @Test
  void aFileTruncatedWhileMappedIsAnIOExceptionNotACrash() throws IOException {
    SparkTestSession.get(); // the table reads the session's Hadoop configuration
    Path victim = dir.resolve("victim.npy");
    NpyTable table = new NpyTable(ArrayFormat.NPY, null, Map.of("path", victim.toString(), "batchSize", "1000"));
    Batch batch = table.newScanBuilder(CaseInsensitiveStringMap.empty()).build().toBatch();
    InputPartition[] partitions = batch.planInputPartitions();
    assertEquals(1, partitions.length);
    PartitionReader<ColumnarBatch> reader = batch.createReaderFactory().createColumnarReader(partitions[0]);
    try {
      assertTrue(reader.next());
      assertEquals(999.0, reader.get().column(0).getDouble(999));
      try (RandomAccessFile file = new RandomAccessFile(victim.toFile(), "rw")) {
        file.setLength(128); // the header only: the mapped pages of later rows are gone
      }
      IOException e = assertThrows(IOException.class, () -> {
        while (reader.next()) {
          reader.get();
        }
      });
      assertTrue(e.getMessage().contains("victim.npy") && e.getMessage().contains("bytes ["), e.getMessage());
      assertTrue(e.getMessage().contains("changed while it was read"), e.getMessage());
    } finally {
      reader.close();
    }
    reader.close(); // closing twice is harmless
    assertThrows(IllegalStateException.class, reader::next, "a closed reader is not read");
  }

  @Test
  void unmappingIsAvailable() {
    assertTrue(Unmapper.canUnmap(), "sun.misc.Unsafe.invokeCleaner from jdk.unsupported");
  }

  private static Exception assertError(String name, String expectedText) {
    Exception e = assertThrows(Exception.class, () -> read(name).collect());
    assertTrue(e.getMessage().contains(expectedText), e.getMessage());
    return e;
  }

  private static Dataset<Row> read(String name) {
    return SparkTestSession.get().read().format("npy").load(dir.resolve(name).toString());
  }
}
