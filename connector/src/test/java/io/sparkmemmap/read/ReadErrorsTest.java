package io.sparkmemmap.read;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkmemmap.ArrayFormat;
import io.sparkmemmap.Python;
import io.sparkmemmap.SparkTestSession;
import io.sparkmemmap.catalog.NpyTable;
import io.sparkmemmap.QueryPlans;
import io.sparkmemmap.format.MalformedNpyFiles;
import io.sparkmemmap.format.NpyHeader;
import io.sparkmemmap.format.NumpyDescr;
import io.sparkmemmap.format.Shape;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.apache.spark.sql.DataFrameReader;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.api.java.UDF1;
import org.apache.spark.sql.connector.read.Batch;
import org.apache.spark.sql.connector.read.InputPartition;
import org.apache.spark.sql.connector.read.PartitionReader;
import org.apache.spark.sql.connector.read.ScanBuilder;
import org.apache.spark.sql.connector.read.SupportsPushDownRequiredColumns;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.sql.util.CaseInsensitiveStringMap;
import org.apache.spark.sql.vectorized.ColumnVector;
import org.apache.spark.sql.vectorized.ColumnarBatch;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The read rows of the fault table (issue 8), each through a Spark read: bad input gets an error naming the file
 * and what is wrong, raised while the read is planned ({@code load()} reads headers only, so nothing is read); a
 * file truncated under a running task is an exception, never a dead executor. The same files are refused at the
 * format level in {@code NpyHeaderTest}, {@code NpzDirectoryTest} and {@code NumpyDescrTest}.
 */
class ReadErrorsTest {
  private static final int ROWS = 100_000;

  @TempDir
  static Path dir;

  @BeforeAll
  static void writeFiles() throws IOException {
    for (String sub : List.of("bad_dtype", "bad_shape", "bad_order", "bad_entry", "bad_dat", "empty")) {
      Files.createDirectories(dir.resolve(sub));
    }
    Python.run(String.join("\n",
        "import zipfile",
        "d = " + Python.literal(dir) + " + '/'",
        "np.save(d + 'short.npy', np.arange(1000, dtype='<f8'))",
        "np.save(d + 'minutes.npy', np.array([0, 2**40], 'M8[m]'))",
        "np.save(d + 'planned.npy', np.arange(" + ROWS + ", dtype='<f8'))",
        // 8 MB: positioned reads of 1 MiB windows still have windows to read when the file is cut
        "for name in ['truncated_by_a_task_first_read.npy', 'truncated_by_a_task_read_again.npy']:",
        "    np.save(d + name, np.arange(" + ROWS + " * 10, dtype='<f8'))",
        "np.save(d + 'victim_columns.npy', np.arange(" + ROWS + " * 4, dtype='<f8').reshape(-1, 4))",
        "np.save(d + 'victim_wide.npy', np.arange(" + ROWS + " * 64, dtype='<f8').reshape(-1, 64))",
        // object and long double dtypes, as numpy itself writes them
        "np.save(d + 'objects.npy', np.array([1, 'a', None], dtype=object))",
        "np.save(d + 'object_field.npy', np.zeros(2, [('a', '<i4'), ('o', 'O')]))",
        "np.save(d + 'nested_object.npy', np.zeros(2, [('a', '<i4'), ('s', [('x', '<f8'), ('o', 'O')])]))",
        "np.save(d + 'longdouble.npy', np.zeros(3, np.longdouble))",
        "np.save(d + 'longdouble_field.npy', np.zeros(3, [('a', '<i4'), ('b', np.longdouble)]))",
        // data shorter than the header says, in a file and in archive entries
        "full = open(d + 'short.npy', 'rb').read()",
        "for name, method in [('short_stored.npz', zipfile.ZIP_STORED), ('short_deflated.npz', zipfile.ZIP_DEFLATED)]:",
        "    with zipfile.ZipFile(d + name, 'w', method) as z:",
        "        z.writestr('x.npy', full[:-100])",
        "with open(d + 'claims_2_60_rows.npy', 'wb') as f:",
        "    np.lib.format.write_array_header_1_0(f, {'descr': '|u1', 'fortran_order': False, 'shape': (2**60,)})",
        "    f.write(bytes(1000))",
        // a deflated Fortran-order entry whose directory claims 10^9 bytes: inflated whole, so the claim is checked
        "import io",
        "head = io.BytesIO()",
        "np.lib.format.write_array_header_1_0(head, {'descr': '|u1', 'fortran_order': True,",
        "    'shape': (2, 500000000)})",
        "with zipfile.ZipFile(d + 'inflation_claim.npz', 'w', zipfile.ZIP_DEFLATED) as z:",
        "    z.writestr('x.npy', head.getvalue())",
        "b = bytearray(open(d + 'inflation_claim.npz', 'rb').read())",
        "claimed = (len(head.getvalue()) + 10**9).to_bytes(4, 'little')",
        "b[22:26] = claimed",
        "cd = int.from_bytes(b[-6:-2], 'little')",
        "b[cd + 24:cd + 28] = claimed",
        "open(d + 'inflation_claim.npz', 'wb').write(bytes(b))",
        // archives to corrupt, and an entry that is not a .npy
        "np.savez(d + 'stored.npz', x=np.arange(100, dtype='<i8'), y=np.ones(3))",
        "np.savez_compressed(d + 'deflated.npz', x=np.arange(10000, dtype='<i8'))",
        "with zipfile.ZipFile(d + 'text_entry.npz', 'w') as z:",
        "    z.writestr('x.npy', 'just some text')",
        "with zipfile.ZipFile(d + 'no_arrays.npz', 'w') as z:",
        "    z.writestr('notes.txt', 'no arrays here')",
        // directories whose files disagree
        "emb = np.arange(60, dtype='<f4').reshape(10, 6)",
        "np.save(d + 'bad_dtype/a.npy', emb[:5]); np.save(d + 'bad_dtype/b.npy', emb[5:].astype('<f8'))",
        "np.save(d + 'bad_shape/a.npy', emb[:5]); np.save(d + 'bad_shape/b.npy', emb[:, :5])",
        "np.save(d + 'bad_order/a.npy', emb[:5]); np.save(d + 'bad_order/b.npy', np.asfortranarray(emb[5:]))",
        "np.savez(d + 'bad_entry/one.npz', x=np.arange(3)); np.savez(d + 'bad_entry/two.npz', x=np.ones(3, '<f4'))",
        "np.arange(20, dtype='<i4').tofile(d + 'bad_dat/a.dat')",
        "np.arange(5, dtype='<i2').tofile(d + 'bad_dat/b.dat')",
        // headerless files
        "np.arange(100, dtype='<f4').tofile(d + 'plain.dat')",
        "open(d + 'odd.dat', 'wb').write(bytes(10))",
        ""));
    Files.write(dir.resolve("text.npy"), "just some text, not an array".getBytes());
    Files.write(dir.resolve("version9.npy"), new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 9, 0, 0, 0});
    try (RandomAccessFile file = new RandomAccessFile(dir.resolve("short.npy").toFile(), "rw")) {
      file.setLength(file.length() - 100);
    }
  }

  @Nested
  @DisplayName("not a .npy (bad magic, text, empty), a bad header, object, unknown or long double dtype: "
      + "an exception naming the file and the problem; nothing read")
  class NotAnArray {
    static Stream<Arguments> malformedFiles() {
      return MalformedNpyFiles.cases().stream().map(Arguments::of);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("malformedFiles")
    void malformedFilesAreRefusedByName(MalformedNpyFiles.Case bad) throws IOException {
      Path file = dir.resolve("malformed-" + bad.name().replace(' ', '-') + ".npy");
      Files.write(file, bad.bytes());
      // a file starting with "PK" is taken for an .npz archive, and refused as one
      String problem = bad.name().equals("zip magic") ? "not a zip archive" : bad.problem();
      assertRefusedAtPlanning(() -> npy().load(file.toString()), file, problem);
    }

    @Test
    void textAndUnknownVersionsAreRefusedInSqlToo() {
      assertRefusedAtPlanning(() -> npy().load(path("text.npy")), dir.resolve("text.npy"), "not a .npy file");
      assertRefusedAtPlanning(() -> spark().sql("SELECT * FROM npy.`" + path("version9.npy") + "`"),
          dir.resolve("version9.npy"), "unsupported .npy format version 9.0");
    }

    @Test
    void objectArraysAreRefusedWhereverTheObjectsAre() {
      for (String name : List.of("objects.npy", "object_field.npy", "nested_object.npy")) {
        assertRefusedAtPlanning(() -> npy().load(path(name)), dir.resolve(name), "holds an object array",
            "Python pointers");
      }
    }

    @Test
    void longDoublesAreRefusedWhereverTheyAre() {
      for (String name : List.of("longdouble.npy", "longdouble_field.npy")) {
        assertRefusedAtPlanning(() -> npy().load(path(name)), dir.resolve(name), "is a long double",
            "astype('<f8')");
      }
    }

    @Test
    void oneBadFileInADirectoryIsNamed() throws IOException {
      Path mixed = dir.resolve("mixed");
      Files.createDirectories(mixed);
      Files.copy(dir.resolve("bad_dtype/a.npy"), mixed.resolve("a.npy"));
      Files.copy(dir.resolve("text.npy"), mixed.resolve("b.npy"));
      // load() reads the first file's header alone, for the schema: the others fail the first action
      assertRefusedAtPlanning(() -> npy().load(mixed.toString()).count(), mixed.resolve("b.npy"), "not a .npy file");
    }
  }

  @Nested
  @DisplayName("data region shorter than the header says: an error with expected and actual bytes, at planning")
  class DataShorterThanTheHeader {
    @Test
    void aTruncatedFile() {
      assertRefusedAtPlanning(() -> npy().load(path("short.npy")), dir.resolve("short.npy"),
          "needs 8000 bytes after the 128-byte header, but there are only 7900");
    }

    @Test
    void truncatedEntriesOfArchives() {
      for (String name : List.of("short_stored.npz", "short_deflated.npz")) {
        assertRefusedAtPlanning(() -> npy().load(path(name)), dir.resolve(name), "entry 'x.npy'",
            "needs 8000 bytes after the 128-byte header, but there are only 7900");
      }
    }

    @Test
    void aHeaderClaimingTwoToTheSixtyRowsIsRefusedBeforeAnythingIsSizedFromIt() {
      assertRefusedAtPlanning(() -> npy().load(path("claims_2_60_rows.npy")), dir.resolve("claims_2_60_rows.npy"),
          "needs 1152921504606846976 bytes after the 128-byte header, but there are only 1000");
    }

    @Test
    void aCompressedEntryClaimingMoreThanDeflateCanHoldIsRefusedBeforeItIsInflated() {
      assertRefusedAtPlanning(() -> npy().load(path("inflation_claim.npz")), dir.resolve("inflation_claim.npz"),
          "entry 'x.npy'", "1000000128 bytes", "more than deflate can produce");
    }
  }

  @Nested
  @DisplayName("memmap dtype, shape or offset that do not fit the file, missing or unknown dtype: "
      + "an error that explains the mismatch")
  class MemmapMismatch {
    @Test
    void dtypeMissingOrUnknown() {
      Path plain = dir.resolve("plain.dat");
      assertRefusedAtPlanning(() -> memmap().load(path("plain.dat")), plain, "option 'dtype' is required",
          "e.g. '<f4'");
      assertRefusedAtPlanning(() -> memmap().option("dtype", "float33").load(path("plain.dat")), plain,
          "option 'dtype'", "'float33' not understood");
      assertRefusedAtPlanning(() -> memmap().option("dtype", "<f16").load(path("plain.dat")), plain,
          "option 'dtype'", "long double");
      assertRefusedAtPlanning(() -> memmap().option("dtype", "[('a', '<i4'), ('o', 'O')]").option("shape", "10")
          .load(path("plain.dat")), plain, "holds an object array");
    }

    @Test
    void sizeNotAWholeNumberOfRows() {
      assertRefusedAtPlanning(() -> memmap().option("dtype", "<f4").load(path("odd.dat")), dir.resolve("odd.dat"),
          "the 10 bytes after offset 0 are not a whole number of rows of 4 bytes");
      assertRefusedAtPlanning(() -> memmap().option("dtype", "<f4").option("shape", "-1, 3").load(path("plain.dat")),
          dir.resolve("plain.dat"), "the 400 bytes after offset 0 are not a whole number of rows of 12 bytes");
      assertRefusedAtPlanning(() -> memmap().option("dtype", "<f4").option("offset", "2").load(path("plain.dat")),
          dir.resolve("plain.dat"), "the 398 bytes after offset 2 are not a whole number of rows of 4 bytes");
    }

    @Test
    void shapeBiggerThanTheFile() {
      assertRefusedAtPlanning(() -> memmap().option("dtype", "<f4").option("shape", "101").load(path("plain.dat")),
          dir.resolve("plain.dat"), "shape (101,) of dtype <f4 needs 404 bytes after offset 0, but the file has "
          + "only 400");
      assertRefusedAtPlanning(() -> memmap().option("dtype", "<f4").option("shape", "10,10").option("offset", "4")
          .load(path("plain.dat")), dir.resolve("plain.dat"), "needs 400 bytes after offset 4", "only 396");
      assertRefusedAtPlanning(() -> memmap().option("dtype", "<f8").option("shape", "1152921504606846976, 8")
          .load(path("plain.dat")), dir.resolve("plain.dat"), "shape (1152921504606846976, 8) has more elements than a "
          + "long can count");
      assertRefusedAtPlanning(() -> memmap().option("dtype", "<f8").option("shape", "-1, 1152921504606846976, 8")
          .load(path("plain.dat")), dir.resolve("plain.dat"), "a row of shape (-1, 1152921504606846976, 8) and dtype "
          + "<f8 has more bytes than a long can count");
    }

    @Test
    void offsetBeyondTheFile() {
      assertRefusedAtPlanning(() -> memmap().option("dtype", "<f4").option("offset", "401").load(path("plain.dat")),
          dir.resolve("plain.dat"), "option offset=401 lies beyond the end of the file (400 bytes)");
    }

    @Test
    void malformedOptionsNameTheOptionAndTheValue() {
      for (Map.Entry<String, String> bad : Map.of("shape", "4,-1", "offset", "-3", "order", "K", "layout", "wide",
          "batchSize", "0", "maxPartitionBytes", "lots", "bytesAsString", "yes").entrySet()) {
        assertRefusedAtPlanning(() -> memmap().option("dtype", "<f4").option(bad.getKey(), bad.getValue())
            .load(path("plain.dat")), dir.resolve("plain.dat"), bad.getKey(), bad.getValue());
      }
    }
  }

  @Nested
  @DisplayName("a file truncated while a task reads it: IOException naming the file; the executor survives; "
      + "Spark retries or fails the job cleanly")
  class TruncatedWhileRead {
    /**
     * A scalar column stored as Spark holds it is handed to Spark where it lies in windows read into a buffer, never
     * from a mapping, on the first read of the file as on a later one: the window after the cut is a short read.
     */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"truncated_by_a_task_first_read.npy", "truncated_by_a_task_read_again.npy"})
    void truncatedByATaskMidReadTheJobFailsByNameAndTheSessionLivesOn(String name) {
      Path victim = dir.resolve(name);
      String file = victim.toString();
      if (name.contains("again")) {
        assertEquals(ROWS * 10, npy().load(file).collectAsList().size(), "read once before: kept mapped next time");
      }
      // runs in the reading task: after the first batch was handed over, the bytes of later rows vanish
      spark().udf().register("truncateAtRow500", (UDF1<Double, Double>) value -> {
        if (value == 500.0) {
          try (RandomAccessFile f = new RandomAccessFile(file, "rw")) {
            f.setLength(128);
          }
        }
        return value;
      }, DataTypes.DoubleType);
      Dataset<Row> df = npy().option("batchSize", "1000").load(file).selectExpr("truncateAtRow500(value) as v");
      // the first attempt fails on the vanished bytes, the retries on the file's length; then the job fails
      Exception e = assertThrows(Exception.class, df::collectAsList);
      assertTrue(e.getMessage().contains(file) && e.getMessage().contains("truncated or rewritten"), e.getMessage());
      assertTrue(e.getMessage().contains("failed 3 times"), e.getMessage());
      assertEquals(45L, spark().range(10).selectExpr("sum(id)").first().getLong(0), "the session still runs jobs");
    }

    @Test
    void truncatedAfterPlanningEveryAttemptFailsByName() throws IOException {
      Dataset<Row> df = npy().load(path("planned.npy"));
      assertEquals(1, df.schema().size());
      try (RandomAccessFile file = new RandomAccessFile(dir.resolve("planned.npy").toFile(), "rw")) {
        file.setLength(1000);
      }
      Exception e = assertThrows(Exception.class, df::collect);
      assertTrue(e.getMessage().contains(path("planned.npy")) && e.getMessage().contains("800128 bytes the read was "
          + "planned with"), e.getMessage());
      assertTrue(e.getMessage().contains("failed 3 times"), "retried as Spark retries tasks: " + e.getMessage());
      assertEquals(3L, spark().range(3).count(), "the session still runs jobs");
    }

    /**
     * Batches of an array column are copied from a kept mapping in bulk; one column of wide rows is gathered from it
     * by address ({@link BufferAddress}): a vanished page is an IOException either way. (Scalar columns that are
     * most of their rows are read in place from read windows, never from a mapping: see
     * {@link #truncatedAfterPlanningEveryAttemptFailsByName}.)
     */
    @ParameterizedTest(name = "{0} {1} {2}")
    @CsvSource({"victim_columns.npy, auto, value, 3996", "victim_wide.npy, columns, c5, 63941"})
    void truncatedWhileMappedIsAnIOExceptionNotACrash(String name, String layout, String column,
        double valueOfRow999) throws IOException {
      SparkTestSession.get(); // the table reads the session's Hadoop configuration
      Path victim = dir.resolve(name);
      NpyTable table = new NpyTable(ArrayFormat.NPY, null, Map.of("path", victim.toString(), "batchSize", "1000",
          "layout", layout));
      ScanBuilder builder = table.newScanBuilder(CaseInsensitiveStringMap.empty());
      ((SupportsPushDownRequiredColumns) builder).pruneColumns(
          new StructType(new StructField[] {table.schema().apply(column)}));
      Batch batch = builder.build().toBatch();
      InputPartition[] partitions = batch.planInputPartitions();
      PartitionReader<ColumnarBatch> reader = batch.createReaderFactory().createColumnarReader(partitions[0]);
      try {
        assertTrue(reader.next());
        assertTrue(Files.readAllLines(Path.of("/proc/self/maps")).stream().anyMatch(l -> l.endsWith(name)),
            "read through a kept mapping");
        ColumnVector values = reader.get().column(0);
        assertEquals(valueOfRow999, column.equals("value") ? values.getArray(999).getDouble(0)
            : values.getDouble(999));
        try (RandomAccessFile file = new RandomAccessFile(victim.toFile(), "rw")) {
          file.setLength(128); // the header only: the mapped pages of later rows are gone
        }
        IOException e = assertThrows(IOException.class, () -> {
          while (reader.next()) {
            reader.get();
          }
        });
        assertTrue(e.getMessage().contains(name) && e.getMessage().contains("bytes ["), e.getMessage());
        assertTrue(e.getMessage().contains("changed while it was read"), e.getMessage());
      } finally {
        reader.close();
      }
      reader.close(); // closing twice is harmless
      assertThrows(IllegalStateException.class, reader::next, "a closed reader is not read");
    }

    /**
     * A pushed SUM reads the mapped bytes by address ({@link BufferAddress}), not through the buffer: a page that
     * vanishes under that loop must still end as an IOException naming the file. The file (2 GiB, sparse, planned
     * as two partitions) is truncated by a thread that watches this JVM's mappings, once the first partition's
     * reader has mapped its GiB and while it adds it up (about 0.2 s).
     */
    @Test
    void truncatedWhileAPushedSumReadsIsAnIOExceptionNotACrash() throws Exception {
      Path victim = dir.resolve("summed_victim.npy");
      long rows = 1L << 28;
      byte[] header = NpyHeader.encode(NumpyDescr.parse("<f8"), false, Shape.of(rows));
      try (RandomAccessFile file = new RandomAccessFile(victim.toFile(), "rw")) {
        file.write(header);
        file.setLength(header.length + rows * 8);
      }
      Dataset<Row> sum = npy().option("maxPartitionBytes", "1g").load(victim.toString()).agg(functions.sum("value"));
      Batch batch = QueryPlans.scan(sum).batch();
      InputPartition[] partitions = batch.planInputPartitions();
      PartitionReader<ColumnarBatch> reader = batch.createReaderFactory().createColumnarReader(partitions[0]);
      Thread truncator = new Thread(() -> truncateOnceMapped(victim, header.length), "truncator");
      truncator.start();
      try {
        IOException e = assertThrows(IOException.class, reader::next);
        assertTrue(e.getMessage().contains("summed_victim.npy") && e.getMessage().contains("bytes ["),
            e.getMessage());
        assertTrue(e.getMessage().contains("changed while it was read"), e.getMessage());
        assertTrue(e.getSuppressed().length == 1 && e.getSuppressed()[0] instanceof InternalError,
            "the fault on the vanished page, attached: " + Arrays.toString(e.getSuppressed()));
      } finally {
        truncator.join();
        reader.close();
      }
      assertEquals(3L, spark().range(3).count(), "the session still runs jobs");
    }

    /** Cuts {@code file} to its header as soon as it shows in {@code /proc/self/maps}: a task mapped it. */
    private void truncateOnceMapped(Path file, long length) {
      try {
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (System.nanoTime() < deadline) {
          if (Files.readAllLines(Path.of("/proc/self/maps")).stream().anyMatch(l -> l.endsWith(file.toString()))) {
            try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
              f.setLength(length);
            }
            return;
          }
        }
        throw new IllegalStateException(file + " was never mapped");
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    }

    @Test
    void unmappingIsAvailable() {
      assertTrue(Unmapper.canUnmap(), "sun.misc.Unsafe.invokeCleaner from jdk.unsupported");
    }
  }

  @Nested
  @DisplayName("a directory whose files disagree on dtype or shape: an error naming the disagreeing file, at the "
      + "first action (load() reads the first file's header alone)")
  class DisagreeingFiles {
    @Test
    void npyFilesThatDisagreeOnDtypeShapeOrOrder() {
      Map<String, String> differences = Map.of("bad_dtype", "dtype <f8, shape (5, 6)", "bad_shape",
          "dtype <f4, shape (10, 5)", "bad_order", "dtype <f4, shape (5, 6), Fortran order");
      differences.forEach((sub, difference) -> assertRefusedAtPlanning(() -> npy().load(path(sub)).count(),
          dir.resolve(sub + "/b.npy"), "does not match the other files of the read: it has " + difference,
          dir.resolve(sub + "/a.npy").toString()));
    }

    @Test
    void archiveEntriesThatDisagree() {
      assertRefusedAtPlanning(() -> npy().option("array", "x").load(path("bad_entry")).count(),
          dir.resolve("bad_entry/two.npz"), "entry 'x.npy'", "dtype <f4", "does not match");
    }

    @Test
    void memmapFilesThatAreNotWholeRows() {
      assertRefusedAtPlanning(() -> memmap().option("dtype", "<i4").option("shape", "-1, 5").load(path("bad_dat"))
          .count(),
          dir.resolve("bad_dat/b.dat"), "the 10 bytes after offset 0 are not a whole number of rows of 20 bytes");
    }
  }

  @Nested
  @DisplayName("a corrupt .npz: an error naming the archive")
  class CorruptArchive {
    @Test
    void endOfCentralDirectoryMissing() throws IOException {
      Path file = corrupt("no-end-record", "stored.npz", z -> Arrays.copyOf(z, z.length - 10));
      assertRefusedAtPlanning(() -> npy().option("array", "x").load(file.toString()), file,
          "no end of central directory record");
    }

    @Test
    void badEndOfCentralDirectory() throws IOException {
      Path file = corrupt("bad-end-record", "stored.npz", z -> putShort(z, z.length - 22 + 4, 1));
      assertRefusedAtPlanning(() -> npy().option("array", "x").load(file.toString()), file, "multi-volume");
    }

    @Test
    void centralDirectoryTruncated() throws IOException {
      Path file = corrupt("directory-cut", "stored.npz", z -> {
        byte[] end = Arrays.copyOfRange(z, z.length - 22, z.length);
        byte[] cut = Arrays.copyOf(z, z.length - 22 - 30);
        byte[] joined = Arrays.copyOf(cut, cut.length + end.length);
        System.arraycopy(end, 0, joined, cut.length, end.length);
        return joined;
      });
      assertRefusedAtPlanning(() -> npy().option("array", "x").load(file.toString()), file, "runs past its end record");
    }

    @Test
    void entryOffsetPastTheEnd() throws IOException {
      Path file = corrupt("offset-past-end", "stored.npz",
          z -> putInt(z, directoryStart(z) + 42, z.length + 1000));
      assertRefusedAtPlanning(() -> npy().option("array", "x").load(file.toString()), file, "entry 'x.npy'");
    }

    @Test
    void anEntryThatIsNotAnNpy() {
      assertRefusedAtPlanning(() -> npy().option("array", "x").load(path("text_entry.npz")),
          dir.resolve("text_entry.npz"), "entry 'x.npy'", "not a .npy file");
      assertRefusedAtPlanning(() -> npy().load(path("no_arrays.npz")), dir.resolve("no_arrays.npz"),
          "holds no .npy entries");
      assertRefusedAtPlanning(() -> npy().option("array", "z").load(path("stored.npz")), dir.resolve("stored.npz"),
          "has no array 'z'", "it holds: x, y");
    }

    @Test
    void aDamagedCompressedStreamFailsTheTaskByNameAndTheSessionLivesOn() throws IOException {
      Path file = corrupt("damaged-stream", "deflated.npz", z -> {
        for (int i = z.length / 2; i < z.length / 2 + 64; i++) {
          z[i] ^= 0x5A;
        }
        return z;
      });
      Dataset<Row> df = npy().option("array", "x").load(file.toString());
      Exception e = assertThrows(Exception.class, () -> df.selectExpr("sum(value)").collect());
      assertTrue(e.getMessage().contains(file.toString() + ", entry 'x.npy'"), e.getMessage());
      assertEquals(3L, spark().range(3).count(), "the session still runs jobs");
    }

    private Path corrupt(String name, String original, UnaryOperator<byte[]> damage) throws IOException {
      Path file = dir.resolve("corrupt-" + name + ".npz");
      Files.write(file, damage.apply(Files.readAllBytes(dir.resolve(original))));
      return file;
    }

    private static int directoryStart(byte[] zip) {
      return ByteBuffer.wrap(zip).order(ByteOrder.LITTLE_ENDIAN).getInt(zip.length - 22 + 16);
    }

    private static byte[] putInt(byte[] zip, int at, int value) {
      ByteBuffer.wrap(zip).order(ByteOrder.LITTLE_ENDIAN).putInt(at, value);
      return zip;
    }

    private static byte[] putShort(byte[] zip, int at, int value) {
      ByteBuffer.wrap(zip).order(ByteOrder.LITTLE_ENDIAN).putShort(at, (short) value);
      return zip;
    }
  }

  @Test
  void pathsThatHoldNoArraysAreNamed() {
    assertRefusedAtPlanning(() -> npy().load(path("empty")), dir.resolve("empty"), "holds no .npy files");
    assertRefusedAtPlanning(() -> npy().load(path("missing.npy")), dir.resolve("missing.npy"), "does not exist");
  }

  @Test
  void valuesOutsideSparksRangeAreErrorsNamingTheFix() {
    Exception e = assertThrows(Exception.class, () -> npy().load(path("minutes.npy")).collect());
    assertTrue(e.getMessage().contains("minutes.npy") && e.getMessage().contains("datetimeAsLong"), e.getMessage());
    assertEquals(2, npy().load(path("minutes.npy")).count(), "counting needs no values");
  }

  /**
   * Asserts that {@code plan} (a load, which reads headers only) fails with a message naming {@code file} (when
   * given) and holding every phrase.
   */
  private static void assertRefusedAtPlanning(Executable plan, Path file, String... phrases) {
    Exception e = assertThrows(Exception.class, plan);
    String message = e.getMessage();
    if (file != null) {
      assertTrue(message.contains(file.toString()), "the file is not named: " + message);
    }
    for (String phrase : phrases) {
      assertTrue(message.contains(phrase), "'" + phrase + "' not in: " + message);
    }
  }

  private static SparkSession spark() {
    return SparkTestSession.get();
  }

  private static DataFrameReader npy() {
    return spark().read().format("npy");
  }

  private static DataFrameReader memmap() {
    return spark().read().format("memmap");
  }

  private static String path(String name) {
    return dir.resolve(name).toString();
  }
}
