package io.sparkmemmap.read;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.sparkmemmap.Python;
import io.sparkmemmap.SparkTestSession;
import io.sparkmemmap.SparkValues;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.spark.sql.DataFrameReader;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/** Headerless files read as {@code np.memmap} maps them: dtype, shape (inferred or given), offset and order. */
class MemmapReadTest {
  @TempDir
  static Path dir;

  private static Map<String, Object> expected;

  @BeforeAll
  static void writeFiles() throws Exception {
    Files.createDirectories(dir.resolve("dats"));
    String script = String.join("\n",
        "d = " + Python.literal(dir) + " + '/'",
        "out = {}",
        "def rows(a):",
        "    if a.dtype.names:",
        "        return [{n: canon(r[n]) for n in a.dtype.names} for r in a]",
        "    return [{'value': canon(r)} for r in a]",
        "def make(name, dtype, shape, offset=0, order='C', fill=None):",
        "    m = np.memmap(d + name, dtype=dtype, mode='w+', offset=offset, shape=shape, order=order)",
        "    flat = np.arange(m.size) * 3 - 5",
        "    m[...] = (flat.reshape(shape) if fill is None else fill)",
        "    m.flush()",
        "    r = np.memmap(d + name, dtype=dtype, mode='r', offset=offset, shape=shape, order=order)",
        "    out[name] = rows(np.array(r))",
        "make('plain.dat', '<f4', (100,))",
        "make('grid.dat', '>i8', (25, 4), offset=128)",
        "make('fortran.dat', '<i2', (6, 5), order='F')",
        "rec = np.dtype([('t', '<i8'), ('x', '<f4', (3,))])",
        "make('records.dat', rec, (10,), offset=3, fill=np.array([(i, (i, -i, 0.5)) for i in range(10)], rec))",
        "make('dats/a.dat', '<u2', (7, 2)); make('dats/b.dat', '<u2', (3, 2))",
        "out['dats'] = out['dats/a.dat'] + out['dats/b.dat']",
        "make('ns.dat', 'datetime64[ns]', (6,), fill=np.array([0, 1, -1, 1500, -1501, 'NaT'], 'M8[ns]'))",
        "make('s16.dat', 'S16', (3,), fill=np.array([b'abc', b'', b'0123456789abcdef'], 'S16'))",
        "make('u8.dat', '<U8', (3,), fill=np.array(['h\\u00e9llo', '', '\\U0001F600x'], '<U8'))",
        "make('native.dat', '=i4', (5,))",
        "make('bytes.dat', '|u1', (7,), fill=np.arange(7) * 40)",
        "f = np.array(np.memmap(d + 'fortran.dat', '<i2', 'r', shape=(6, 5), order='F'))",
        "out['fortran flat'] = [{'value': canon(v)} for v in f.ravel(order='F')]",
        "g = np.array(np.memmap(d + 'grid.dat', '>i8', 'r', offset=128, shape=(25, 4)))",
        "out['grid columns'] = [{'c%d' % j: canon(v) for j, v in enumerate(r)} for r in g]",
        "out['ns raw'] = [{'value': int(v)} for v in np.memmap(d + 'ns.dat', 'M8[ns]', 'r').astype('i8')]",
        "emit(out)",
        "");
    expected = SparkValues.parseJsonObject(Python.run(script));
  }

  /** A file np.memmap made, the options that describe it as np.memmap was told, and the name of the case. */
  private record MemmapCase(String name, String file, Map<String, String> options) {}

  private static final List<MemmapCase> CASES = List.of(
      new MemmapCase("float32, shape inferred from the file size", "plain.dat", Map.of("dtype", "float32")),
      new MemmapCase(">i8 at offset 128, rows inferred", "grid.dat",
          Map.of("dtype", ">i8", "shape", "-1,4", "offset", "128")),
      new MemmapCase(">i8 at offset 128, shape as a tuple", "grid.dat",
          Map.of("dtype", ">i8", "shape", "(25, 4)", "offset", "128")),
      new MemmapCase("<i2 in Fortran order", "fortran.dat", Map.of("dtype", "<i2", "shape", "6,5", "order", "F")),
      new MemmapCase("<i2 in Fortran order, rows inferred", "fortran.dat",
          Map.of("dtype", "<i2", "shape", "-1,5", "order", "F")),
      new MemmapCase("structured with a subarray at offset 3", "records.dat",
          Map.of("dtype", "[('t', '<i8'), ('x', '<f4', (3,))]", "offset", "3")),
      new MemmapCase("datetime64[ns], finer than microseconds floored", "ns.dat", Map.of("dtype", "datetime64[ns]")),
      new MemmapCase("S16", "s16.dat", Map.of("dtype", "S16")),
      new MemmapCase("<U8", "u8.dat", Map.of("dtype", "<U8")),
      new MemmapCase("=i4, native order", "native.dat", Map.of("dtype", "=i4")),
      new MemmapCase("uint8", "bytes.dat", Map.of("dtype", "uint8")),
      new MemmapCase("|u1", "bytes.dat", Map.of("dtype", "|u1")));

  /** One test per file NumPy mapped and filled: Spark reads it value for value as np.memmap does. */
  @TestFactory
  Stream<DynamicTest> readsWhatNumpyMemmapWrote() {
    return CASES.stream().map(c -> DynamicTest.dynamicTest(c.file() + ": " + c.name(), () -> assertEquals(
        expected.get(c.file()), rows(reader().options(c.options()).load(path(c.file()))),
        c.file() + " read with " + c.options())));
  }

  @Test
  void aDirectoryIsItsDatFiles() {
    Dataset<Row> df = reader().option("dtype", "uint16").option("shape", "-1, 2").load(path("dats"));
    assertEquals(expected.get("dats"), rows(df));
    assertEquals("<u2", df.schema().apply("value").metadata().getString("numpy.dtype"));
  }

  @Test
  void layoutsAndConversionOptionsApplyToo() {
    assertEquals(expected.get("fortran flat"), rows(reader().option("dtype", "<i2").option("shape", "6,5")
        .option("order", "F").option("layout", "flat").load(path("fortran.dat"))), "flat: in storage order");
    Dataset<Row> columns = reader().option("dtype", ">i8").option("shape", "-1,4").option("offset", "128")
        .option("layout", "columns").load(path("grid.dat"));
    assertEquals(List.of("c0", "c1", "c2", "c3"), List.of(columns.columns()));
    assertEquals(expected.get("grid columns"), rows(columns));
    Dataset<Row> strings = reader().option("dtype", "S16").option("bytesAsString", "true").load(path("s16.dat"));
    assertEquals(List.of("abc", "", "0123456789abcdef"), strings.collectAsList().stream().map(r -> r.getString(0))
        .toList());
    assertEquals(expected.get("ns raw"), rows(reader().option("dtype", "datetime64[ns]")
        .option("datetimeAsLong", "true").load(path("ns.dat"))));
  }

  private static List<Object> rows(Dataset<Row> df) {
    return SparkValues.canonical(df.collectAsList());
  }

  private static DataFrameReader reader() {
    return SparkTestSession.get().read().format("memmap");
  }

  private static String path(String name) {
    return dir.resolve(name).toString();
  }
}
