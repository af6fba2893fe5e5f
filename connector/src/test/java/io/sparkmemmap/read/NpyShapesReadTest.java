package io.sparkmemmap.read;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkmemmap.Python;
import io.sparkmemmap.QueryPlans;
import io.sparkmemmap.SparkTestSession;
import io.sparkmemmap.SparkValues;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.spark.sql.DataFrameReader;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * Shapes, orders and layouts: 0-d to 4-D arrays in C and Fortran order, empty arrays, the columns and flat layouts,
 * structured arrays (nested, subarray, padded, big-endian, N-D), column pruning and the hidden columns.
 */
class NpyShapesReadTest {
  @TempDir
  static Path dir;

  /** Expected rows of each file, by file name, as NumPy sees them. */
  private static Map<String, Object> expected;

  private static final List<String> ND_FILES = new ArrayList<>();

  @BeforeAll
  static void writeFiles() {
    String script = String.join("\n",
        "d = " + Python.literal(dir) + " + '/'",
        "out = {}",
        "def rows(a):",
        "    if a.dtype.names:",
        "        return [{n: canon(r[n]) for n in a.dtype.names} for r in (a if a.ndim else [a])]",
        "    return [{'value': canon(r)} for r in (a if a.ndim else [a])]",
        "def save(name, a, expected=None):",
        "    np.save(d + name, a)",
        "    out[name] = rows(a) if expected is None else expected",
        "rng = np.random.default_rng(7)",
        "for shape in [(5,), (4, 3), (3, 2, 4), (2, 3, 2, 2), (4, 1), (1, 5)]:",
        "    for t in ['<f8', '>i2', '<U3']:",
        "        a = (rng.integers(-1000, 1000, size=shape)).astype(t)",
        "        tag = 'x'.join(map(str, shape)) + '_' + t[1:] + ('le' if t[0] == '<' else 'be')",
        "        save('c_' + tag + '.npy', np.ascontiguousarray(a))",
        "        save('f_' + tag + '.npy', np.asfortranarray(a))",
        "save('zero_d.npy', np.array(3.5, '<f4'))",
        "save('zero_d_struct.npy', np.array((1, 2.5), [('a', '<i4'), ('b', '>f8')]))",
        "save('empty_1d.npy', np.zeros((0,), '<f4'))",
        "save('empty_rows.npy', np.zeros((0, 3), '>i8'))",
        "save('empty_trailing.npy', np.zeros((4, 0), '<f4'))",
        "m = np.arange(24, dtype='<i4').reshape(6, 4) * 3 - 7",
        "cols = [{'c%d' % j: int(v) for j, v in enumerate(r)} for r in m]",
        "save('columns_c.npy', m, cols)",
        "save('columns_f.npy', np.asfortranarray(m), cols)",
        "g = np.arange(12, dtype='>f4').reshape(3, 4) / 8",
        "save('flat_c.npy', g, [{'value': canon(v)} for v in g.ravel(order='C')])",
        "save('flat_f.npy', np.asfortranarray(g), [{'value': canon(v)} for v in g.ravel(order='F')])",
        "inner = np.dtype([('p', '<i2'), ('q', 'S3')])",
        "nested = np.dtype([('id', '>u4'), ('s', [('x', '<f4'), ('inner', inner)]), ('v', '<f8', (2, 3)),",
        "                   ('when', '<M8[ms]'), ('z', '>c8')])",
        "n = np.zeros(5, nested)",
        "n['id'] = [1, 2, 3, 4, 4000000000]",
        "n['s']['x'] = [0.5, -1.5, 2.5, 1e30, -0.0]",
        "n['s']['inner']['p'] = [-1, 2, -3, 4, 32767]",
        "n['s']['inner']['q'] = [b'ab', b'', b'xyz', b'q', b'\\x00a']",
        "n['v'] = np.arange(30).reshape(5, 2, 3) / 4",
        "n['when'] = ['2020-01-01T00:00:00.001', 'NaT', '1969-12-31T23:59:59.999', '1900-01-01', '2262-04-11']",
        "n['z'] = [1 + 1j, 2 - 2j, 0, -1j, 3]",
        "save('nested.npy', n)",
        "padded = np.zeros(4, np.dtype([('a', 'u1'), ('b', '<i4'), ('c', '<f2'), ('d', '?')], align=True))",
        "padded['a'] = [1, 2, 3, 255]; padded['b'] = [-5, 6, -7, 2**31 - 1]",
        "padded['c'] = [0.5, 1.5, -2, 65504]; padded['d'] = [True, False, True, False]",
        "assert padded.dtype.itemsize == 12",
        "save('padded.npy', padded)",
        "titled = np.zeros(3, np.dtype([(('a title', 'name'), '<i2'), ('other', '>i8')]))",
        "titled['name'] = [1, 2, 3]; titled['other'] = [-1, -2, -3]",
        "save('titled.npy', titled)",
        "grid = np.zeros((3, 2), np.dtype([('k', '>i4'), ('w', '<f4', (2,))]))",
        "grid['k'] = np.arange(6).reshape(3, 2); grid['w'] = np.arange(12).reshape(3, 2, 2) / 2",
        "save('struct_2d_c.npy', grid)",
        "save('struct_2d_f.npy', np.asfortranarray(grid))",
        "cube = np.arange(24, dtype='<i4').reshape(2, 3, 4) * 5 - 50",
        "save('flat3_c.npy', cube, [{'value': canon(v)} for v in cube.ravel(order='C')])",
        "save('flat3_f.npy', np.asfortranarray(cube), [{'value': canon(v)} for v in cube.ravel(order='F')])",
        "v2 = np.arange(6, dtype='>i2').reshape(3, 2) - 3",
        "with open(d + 'v2.npy', 'wb') as f: np.lib.format.write_array(f, v2, version=(2, 0))",
        "out['v2.npy'] = rows(v2)",
        "v3 = np.zeros(3, [('\\u540d\\u524d', '<i4'), ('x', '>f8')])",
        "v3['\\u540d\\u524d'] = [1, -2, 3]; v3['x'] = [0.5, 1.5, -2]",
        "import warnings",
        "with warnings.catch_warnings():",
        "    warnings.simplefilter('ignore')",
        "    save('v3.npy', v3)",
        // t and s.bad hold minutes far beyond Spark's timestamp range: reading either of them fails the query
        "poison = np.zeros(4, [('t', '<M8[m]'), ('x', '<f4'), ('s', [('bad', '>M8[m]'), ('ok', '<i2')])])",
        "poison['t'] = 2**40; poison['s']['bad'] = 2**40",
        "poison['x'] = [0.5, 1.5, 2.5, 3.5]; poison['s']['ok'] = [1, -2, 3, -4]",
        "np.save(d + 'poison.npy', poison)",
        "wide = np.zeros(300, [('a', '<i4'), ('b', '<U4'), ('c', '>f8'), ('blob', 'V8000')])",
        "wide['a'] = np.arange(300) * 7 - 1000; wide['b'] = [str(i) for i in range(300)]",
        "wide['c'] = np.arange(300) / 3",
        "np.save(d + 'wide_rows.npy', wide)",
        "out['wide_rows.npy'] = [{'a': canon(r['a']), 'b': canon(r['b']), 'c': canon(r['c'])} for r in wide]",
        "emit(out)",
        "");
    expected = SparkValues.parseJsonObject(Python.run(script));
    for (String name : expected.keySet()) {
      if (name.startsWith("c_") || name.startsWith("f_")) {
        ND_FILES.add(name);
      }
    }
  }

  @TestFactory
  Stream<DynamicTest> oneToFourDimensionsInBothOrders() {
    return ND_FILES.stream().sorted().map(name -> DynamicTest.dynamicTest(name, () -> assertReads(name)));
  }

  @Test
  void fortranOrderFilesAreMarkedFortran() {
    String header = Python.run("import numpy.lib.format as f\n"
        + "fh = open(" + Python.literal(dir.resolve("f_3x2x4_f8le.npy")) + ", 'rb')\n"
        + "v = f.read_magic(fh)\n"
        + "print(f.read_array_header_1_0(fh)[1])\n");
    assertEquals("True", header.strip());
  }

  @Test
  void nDimensionalValuesAreNestedArrays() {
    StructType schema = read("c_2x3x2x2_i2be.npy").schema();
    assertEquals(DataTypes.createArrayType(DataTypes.createArrayType(DataTypes.createArrayType(
        DataTypes.ShortType, false), false), false), schema.apply("value").dataType());
    assertEquals(">i2", schema.apply("value").metadata().getString("numpy.dtype"));
  }

  @Test
  void zeroDimensionalArraysAreOneRow() {
    assertReads("zero_d.npy");
    assertReads("zero_d_struct.npy");
  }

  @Test
  void emptyArraysHaveASchemaAndNoRows() {
    assertReads("empty_1d.npy");
    assertReads("empty_rows.npy");
    assertReads("empty_trailing.npy");
    assertEquals(DataTypes.createArrayType(DataTypes.LongType, false),
        read("empty_rows.npy").schema().apply("value").dataType());
  }

  @Test
  void columnsLayoutMakesOneColumnPerIndexOfAxis1() {
    for (String name : List.of("columns_c.npy", "columns_f.npy")) {
      Dataset<Row> df = reader().option("layout", "columns").load(path(name));
      assertEquals(List.of("c0", "c1", "c2", "c3"), List.of(df.schema().fieldNames()));
      assertEquals(expected.get(name), SparkValues.canonical(df.collectAsList()), name);
      assertEquals(SparkValues.parseJson("[{\"c2\": -1}, {\"c2\": 11}, {\"c2\": 23}, {\"c2\": 35}, {\"c2\": 47}, "
          + "{\"c2\": 59}]"), SparkValues.canonical(df.select("c2").collectAsList()), name);
    }
  }

  @Test
  void wideRowsAreFilledABlockOfRowsAtATime() {
    int rowBytes = 4 + 16 + 8 + 8000;
    assertTrue(300 > NpyPartitionReader.BLOCK_BYTES / rowBytes * 5, "the batch of 300 rows takes several blocks");
    Dataset<Row> df = read("wide_rows.npy").select("a", "b", "c");
    assertEquals(expected.get("wide_rows.npy"), SparkValues.canonical(df.collectAsList()));
  }

  @Test
  void flatLayoutReadsEveryElementInStorageOrder() {
    for (String name : List.of("flat_c.npy", "flat_f.npy")) {
      Dataset<Row> df = reader().option("layout", "flat").load(path(name));
      assertEquals(expected.get(name), SparkValues.canonical(df.collectAsList()), name);
      List<Row> indexes = df.select("_row_index").collectAsList();
      for (int i = 0; i < indexes.size(); i++) {
        assertEquals(i, indexes.get(i).getLong(0));
      }
    }
  }

  @Test
  void flatLayoutOfNDimensionalArraysFollowsStorageOrder() {
    for (String name : List.of("flat3_c.npy", "flat3_f.npy")) {
      Dataset<Row> df = reader().option("layout", "flat").load(path(name));
      assertEquals(List.of("value"), List.of(df.schema().fieldNames()));
      assertEquals(DataTypes.IntegerType, df.schema().apply("value").dataType());
      assertEquals(expected.get(name), SparkValues.canonical(df.collectAsList()), name);
    }
  }

  @Test
  void columnsLayoutOfAnythingButA2DArrayIsAnErrorNamingTheShape() {
    Map<String, String> shapes = Map.of("c_5_f8le.npy", "(5,)", "c_3x2x4_f8le.npy", "(3, 2, 4)", "zero_d.npy", "()");
    shapes.forEach((name, shape) -> {
      Exception e = assertThrows(Exception.class, () -> reader().option("layout", "columns").load(path(name)));
      assertTrue(e.getMessage().contains(name) && e.getMessage().contains("layout=columns needs a 2-D array")
          && e.getMessage().contains("shape " + shape), e.getMessage());
    });
  }

  @Test
  void formatVersions2And3() throws Exception {
    assertEquals(2, Files.readAllBytes(dir.resolve("v2.npy"))[6], "NumPy wrote version 2.0");
    assertEquals(3, Files.readAllBytes(dir.resolve("v3.npy"))[6], "NumPy wrote version 3.0");
    assertReads("v2.npy");
    assertReads("v3.npy");
    assertEquals(List.of("\u540d\u524d", "x"), List.of(read("v3.npy").schema().fieldNames()));
  }

  @Test
  void structuredArraysBecomeColumnsStructsAndArrays() {
    Dataset<Row> df = read("nested.npy");
    assertEquals(List.of("id", "s", "v", "when", "z"), List.of(df.schema().fieldNames()));
    assertEquals(DataTypes.LongType, df.schema().apply("id").dataType());
    assertTrue(df.schema().apply("s").dataType() instanceof StructType);
    assertEquals(">u4", df.schema().apply("id").metadata().getString("numpy.dtype"));
    assertEquals("[('x', '<f4'), ('inner', [('p', '<i2'), ('q', '|S3')])]",
        df.schema().apply("s").metadata().getString("numpy.dtype"));
    ArrayType v = (ArrayType) df.schema().apply("v").dataType();
    assertEquals(DataTypes.createArrayType(DataTypes.DoubleType, false), v.elementType());
    assertEquals("<f8", df.schema().apply("v").metadata().getString("numpy.dtype"), "a subarray's element dtype");
    StructType s = (StructType) df.schema().apply("s").dataType();
    assertEquals("<f4", s.apply("x").metadata().getString("numpy.dtype"));
    StructType inner = (StructType) s.apply("inner").dataType();
    assertEquals("[('p', '<i2'), ('q', '|S3')]", s.apply("inner").metadata().getString("numpy.dtype"));
    assertEquals("|S3", inner.apply("q").metadata().getString("numpy.dtype"));
    assertEquals(">c8", df.schema().apply("z").metadata().getString("numpy.dtype"));
    assertReads("nested.npy");
    assertReads("padded.npy");
    assertReads("titled.npy");
    assertEquals(List.of("a", "b", "c", "d"), List.of(read("padded.npy").schema().fieldNames()));
  }

  @Test
  void nDimensionalStructuredArraysHaveArraysOfFields() {
    for (String name : List.of("struct_2d_c.npy", "struct_2d_f.npy")) {
      Dataset<Row> df = read(name);
      assertEquals(DataTypes.createArrayType(DataTypes.IntegerType, false), df.schema().apply("k").dataType());
      assertReads(name);
    }
  }

  @Test
  void selectingNestedFieldsReadsOnlyThem() {
    Dataset<Row> df = read("nested.npy").selectExpr("s.inner.q", "v[1][2] as v12", "id");
    String rows = Python.run("n = np.load(" + Python.literal(dir.resolve("nested.npy")) + ")\n"
        + "emit([{'q': canon(r['s']['inner']['q']), 'v12': canon(r['v'][1][2]), 'id': canon(r['id'])} for r in n])\n");
    assertEquals(SparkValues.parseJson(rows), SparkValues.canonical(df.collectAsList()));
    StructType scanned = QueryPlans.scan(df).scan().readSchema();
    assertEquals("struct<id:bigint,s:struct<inner:struct<q:binary>>,v:array<array<double>>>",
        scanned.catalogString());
  }

  /**
   * Fields {@code t} and {@code s.bad} hold minutes beyond Spark's timestamp range, so reading either fails the
   * query: a query that succeeds never read them. (C-order rows are mapped whole, as their fields interleave on
   * the same pages; what is skipped is every read and conversion of the unselected fields.)
   */
  @Test
  void unselectedFieldsAreNeverRead() {
    Dataset<Row> df = read("poison.npy");
    assertEquals(List.of(0.5f, 1.5f, 2.5f, 3.5f), df.select("x").collectAsList().stream().map(r -> r.getFloat(0))
        .toList());
    assertEquals(List.of((short) 1, (short) -2, (short) 3, (short) -4), df.select("s.ok").collectAsList().stream()
        .map(r -> r.getShort(0)).toList());
    assertEquals("struct<s:struct<ok:smallint>>", QueryPlans.scan(df.select("s.ok")).scan().readSchema()
        .catalogString());
    assertEquals(4, df.select("_row_index", "x").where("x > 0").count());
    for (String field : List.of("t", "s.bad", "s")) {
      Exception e = assertThrows(Exception.class, () -> df.select(field).collect(), field);
      assertTrue(e.getMessage().contains("poison.npy") && e.getMessage().contains("datetimeAsLong"),
          field + ": " + e.getMessage());
    }
  }

  @Test
  void hiddenColumnsOnlyWhenSelected() {
    Dataset<Row> df = read("c_4x3_f8le.npy");
    assertEquals(List.of("value"), List.of(df.columns()));
    List<Row> rows = df.select("_row_index", "_file").collectAsList();
    for (int i = 0; i < rows.size(); i++) {
      assertEquals(i, rows.get(i).getLong(0));
      assertEquals(dir.resolve("c_4x3_f8le.npy").toUri().toString(), rows.get(i).getString(1));
    }
    assertEquals(2, df.where("_row_index >= 2").count());
  }

  @Test
  void aUserSchemaIsCheckedAgainstTheFile() {
    // spark.read.schema(...) is refused (the sources name their paths through a catalog, for their save modes)
    // with what to do instead; a table declared with columns carries a user schema
    SparkSession spark = SparkTestSession.get();
    for (String source : List.of("npy", "io.sparkmemmap.NpyDataSource", "memmap")) {
      Exception refused = assertThrows(IllegalArgumentException.class, () -> spark.read()
          .schema("value array<double>").format(source).load(path("c_4x3_f8le.npy")));
      assertTrue(refused.getMessage().startsWith(path("c_4x3_f8le.npy") + ": ")
          && refused.getMessage().contains("user-specified schema")
          && refused.getMessage().contains("CREATE TABLE t (name type, ...) USING "), refused.getMessage());
      assertEquals(source.equals("memmap"), refused.getMessage().contains("a structured dtype names the columns"),
          refused.getMessage());
    }
    try {
      spark.sql("CREATE TABLE user_schema_right (value array<double>) USING npy LOCATION '"
          + path("c_4x3_f8le.npy") + "'");
      assertEquals(expected.get("c_4x3_f8le.npy"),
          SparkValues.canonical(spark.table("user_schema_right").collectAsList()));
      spark.sql("CREATE TABLE user_schema_wrong (value array<float>) USING npy LOCATION '"
          + path("c_4x3_f8le.npy") + "'");
      Exception e = assertThrows(Exception.class, () -> spark.table("user_schema_wrong").collect());
      assertTrue(e.getMessage().contains("value") && e.getMessage().contains("array<double>"), e.getMessage());
    } finally {
      spark.sql("DROP TABLE IF EXISTS user_schema_right");
      spark.sql("DROP TABLE IF EXISTS user_schema_wrong");
    }
  }

  @Test
  void temporaryViewsUsingTheSource() {
    SparkTestSession.get().sql("CREATE OR REPLACE TEMPORARY VIEW columns_view USING npy OPTIONS (path '"
        + path("columns_f.npy") + "', layout 'columns')");
    List<Row> rows = SparkTestSession.get().sql("SELECT c3 FROM columns_view WHERE c0 = 17").collectAsList();
    assertEquals(1, rows.size());
    assertEquals(26, rows.get(0).getInt(0), "row 2 of arange(24).reshape(6, 4) * 3 - 7");
  }

  @Test
  void countsNeedNoData() {
    assertEquals(4, read("c_4x3_f8le.npy").count());
    assertEquals(0, read("empty_rows.npy").count());
    assertFalse(read("c_4x3_f8le.npy").isEmpty());
  }

  private static void assertReads(String name) {
    assertEquals(expected.get(name), SparkValues.canonical(read(name).collectAsList()), name);
  }

  private static DataFrameReader reader() {
    return SparkTestSession.get().read().format("npy");
  }

  private static Dataset<Row> read(String name) {
    return reader().load(path(name));
  }

  private static String path(String name) {
    return dir.resolve(name).toString();
  }
}
