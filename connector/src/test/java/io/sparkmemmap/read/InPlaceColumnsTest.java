package io.sparkmemmap.read;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkmemmap.ArrayFormat;
import io.sparkmemmap.Python;
import io.sparkmemmap.SparkTestSession;
import io.sparkmemmap.catalog.NpyTable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.connector.read.Batch;
import org.apache.spark.sql.connector.read.InputPartition;
import org.apache.spark.sql.connector.read.PartitionReader;
import org.apache.spark.sql.connector.read.ScanBuilder;
import org.apache.spark.sql.connector.read.SupportsPushDownRequiredColumns;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.sql.util.CaseInsensitiveStringMap;
import org.apache.spark.sql.vectorized.ColumnarBatch;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Scalar columns whose values need no conversion are handed to Spark where they lie in the read windows
 * ({@link WindowColumnVector}): every such type reads NumPy's values, unsigned ones widened, across the windows'
 * and partitions' boundaries, while the columns beside them that need converting (big-endian) are still copied;
 * and such reads never map the file, however often it is read. A query that wants a few values of wide rows still
 * gathers them from a kept mapping.
 */
class InPlaceColumnsTest {
  /** Rows of 39 bytes: 26886 fit a 1 MiB window, so windows end in the middle of partitions, and rows. */
  private static final int ROWS = 100_003;
  private static final String FIELDS = "[('b', '?'), ('i1', 'i1'), ('u1', 'u1'), ('i2', '<i2'), ('u2', '<u2'), "
      + "('i4', '<i4'), ('u4', '<u4'), ('i8', '<i8'), ('f4', '<f4'), ('f8', '<f8'), ('big', '>f4')]";

  @TempDir
  static Path dir;

  @BeforeAll
  static void writeFiles() {
    Python.run(String.join("\n",
        "x = np.arange(" + ROWS + ", dtype=np.int64) * 2654435761",
        "a = np.zeros(" + ROWS + ", " + FIELDS + ")",
        "a['b'] = x % 3 == 0",
        "for f in ['i1', 'u1', 'i2', 'u2', 'i4', 'u4', 'i8']:",
        "    a[f] = x.astype(a.dtype[f])",
        "a['f4'] = (x % 100000).astype('<f4') / 8",
        "a['f8'] = x / 3.0",
        "a['big'] = (x % 1000).astype('<f4') - 500",
        "np.save(" + Python.literal(dir.resolve("typed.npy")) + ", a)",
        "np.savez_compressed(" + Python.literal(dir.resolve("typed.npz")) + ", a=a)",
        "np.save(" + Python.literal(dir.resolve("wide.npy")) + ", "
            + "np.arange(20000 * 64, dtype='<f8').reshape(-1, 64))",
        ""));
  }

  @Test
  void everyTypeReadInPlaceIsNumpysValueAndTheFileIsNeverMapped() throws IOException {
    Path file = dir.resolve("typed.npy");
    for (int read = 1; read <= 3; read++) {
      List<Row> rows = SparkTestSession.get().read().format("npy").option("maxPartitionBytes", "1500k")
          .load(file.toString()).selectExpr("_row_index", "b", "i1", "u1", "i2", "u2", "i4", "u4", "i8", "f4", "f8",
              "big").collectAsList();
      assertEquals(ROWS, rows.size());
      for (Row row : rows) {
        long i = row.getLong(0);
        long x = i * 2654435761L;
        String where = "read " + read + ", row " + i;
        assertEquals(x % 3 == 0, row.getBoolean(1), where);
        assertEquals((byte) x, row.getByte(2), where);
        assertEquals((short) (x & 0xFF), row.getShort(3), where);
        assertEquals((short) x, row.getShort(4), where);
        assertEquals((int) (x & 0xFFFF), row.getInt(5), where);
        assertEquals((int) x, row.getInt(6), where);
        assertEquals(x & 0xFFFF_FFFFL, row.getLong(7), where);
        assertEquals(x, row.getLong(8), where);
        assertEquals((float) (x % 100000) / 8, row.getFloat(9), where);
        assertEquals(x / 3.0, row.getDouble(10), where);
        assertEquals((float) (x % 1000) - 500, row.getFloat(11), where);
      }
    }
    assertEquals(List.of(), mappingsOf(file), "read in place three times: never mapped");
  }

  @Test
  void onlyValuesWithoutConversionAreReadInPlace() throws IOException {
    withFirstBatch("typed.npy", "auto", null, (schema, batch) -> {
      for (int i = 0; i < schema.size(); i++) {
        String name = schema.fields()[i].name();
        assertEquals(!name.equals("big"), batch.column(i) instanceof WindowColumnVector, name);
      }
    });
  }

  @Test
  void aFewValuesOfWideRowsAreGatheredFromAKeptMapping() throws IOException {
    for (int read = 1; read <= 2; read++) {
      withFirstBatch("wide.npy", "columns", "c5", (schema, batch) -> {
        assertFalse(batch.column(0) instanceof WindowColumnVector, "8 bytes of each row of 512: gathered");
        assertEquals(999 * 64 + 5, batch.column(0).getDouble(999));
      });
    }
    assertTrue(!mappingsOf(dir.resolve("wide.npy")).isEmpty(), "read again: kept mapped");
    withFirstBatch("wide.npy", "columns", null, (schema, batch) -> {
      assertInstanceOf(WindowColumnVector.class, batch.column(63), "every value of the rows: read in place");
      assertEquals(999 * 64 + 63, batch.column(63).getDouble(999));
    });
  }

  /**
   * Windows filled by another file system's reads, or by inflating an archive's entry, are arrays: their values are
   * copied, as NumPy gives them. Only direct buffers are read in place, where a value's address is all the JIT has
   * to load it from.
   */
  @Test
  void windowsInArraysAreCopied() throws IOException {
    Map<String, String> nonLocal = Map.of("fs." + NonLocalTestFileSystem.SCHEME + ".impl",
        NonLocalTestFileSystem.class.getName(), "fs." + NonLocalTestFileSystem.SCHEME + ".impl.disable.cache", "true");
    String remote = NonLocalTestFileSystem.SCHEME + "://" + dir.resolve("typed.npy");
    String archive = dir.resolve("typed.npz").toString();
    for (String path : List.of(remote, archive)) {
      withFirstBatch(path, "auto", nonLocal, null, (schema, batch) -> {
        for (int i = 0; i < schema.size(); i++) {
          assertFalse(batch.column(i) instanceof WindowColumnVector, path + ": " + schema.fields()[i].name());
        }
        long x = 999 * 2654435761L;
        assertEquals(x / 3.0, batch.column(schema.fieldIndex("f8")).getDouble(999), path);
        assertEquals((x % 100000) / 8f, batch.column(schema.fieldIndex("f4")).getFloat(999), path);
      });
    }
    WindowColumnVector vector = new WindowColumnVector(DataTypes.FloatType, WindowColumnVector.Kind.FLOAT);
    assertThrows(IllegalArgumentException.class, () -> vector.show(ByteBuffer.allocate(64), 0, 4, 16));
  }

  /** Checks the first batch of the first partition of {@code name}, only {@code column} of it if not null. */
  private static void withFirstBatch(String name, String layout, String column,
      BiConsumer<StructType, ColumnarBatch> check) throws IOException {
    withFirstBatch(dir.resolve(name).toString(), layout, Map.of(), column, check);
  }

  private static void withFirstBatch(String path, String layout, Map<String, String> options, String column,
      BiConsumer<StructType, ColumnarBatch> check) throws IOException {
    SparkTestSession.get(); // the table reads the session's Hadoop configuration
    Map<String, String> tableOptions = new HashMap<>(options);
    tableOptions.put("path", path);
    tableOptions.put("layout", layout);
    NpyTable table = new NpyTable(ArrayFormat.NPY, null, tableOptions);
    ScanBuilder builder = table.newScanBuilder(CaseInsensitiveStringMap.empty());
    StructType schema = column == null ? table.schema()
        : new StructType(new StructField[] {table.schema().apply(column)});
    ((SupportsPushDownRequiredColumns) builder).pruneColumns(schema);
    Batch scan = builder.build().toBatch();
    InputPartition[] partitions = scan.planInputPartitions();
    try (PartitionReader<ColumnarBatch> reader = scan.createReaderFactory().createColumnarReader(partitions[0])) {
      assertTrue(reader.next());
      check.accept(schema, reader.get());
    }
  }

  private static List<String> mappingsOf(Path file) throws IOException {
    return Files.readAllLines(Path.of("/proc/self/maps")).stream()
        .filter(line -> line.endsWith(file.toString())).toList();
  }
}
