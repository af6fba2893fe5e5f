package io.sparkmemmap.read;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkmemmap.Python;
import io.sparkmemmap.SparkTestSession;
import io.sparkmemmap.SparkValues;
import io.sparkmemmap.SpecTypes;
import io.sparkmemmap.schema.NumpySparkTypes;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.DayTimeIntervalType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.sql.types.YearMonthIntervalType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every dtype of the SPEC's type table, in both byte orders, read from files NumPy wrote, value for value: all of
 * them as the fields of one structured array per byte order (strided reads), and the common ones as plain arrays
 * (contiguous reads, bulk copies where the type allows).
 */
class NpyTypesReadTest {
  /** Types read as plain 1-D arrays too, where contiguous values take the bulk-copy path. */
  private static final List<String> SIMPLE_TYPES = List.of("b1", "i1", "u1", "i2", "u2", "i4", "i8", "f2", "f4",
      "f8", "M8[ns]", "S5", "U4", "m8[Y]", "m8[h]", "M8[as]", "u8");

  @TempDir
  static Path dir;

  private static Map<String, Object> expected;
  private static final Map<String, List<Object>> COLLECTED = new HashMap<>();

  @BeforeAll
  static void writeFiles() {
    String script = String.join("\n",
        "d = " + Python.literal(dir),
        "types = " + Python.literal(SpecTypes.SCALARS),
        "simple = " + Python.literal(SIMPLE_TYPES),
        "def values(t):",
        "    dt = np.dtype(t)",
        "    k = dt.kind",
        "    if k == 'b': return np.array([0, 1, 2, 255], 'u1').view('?')",
        "    if k in 'iu':",
        "        info = np.iinfo(dt)",
        "        return np.array([info.min, info.max, 0, 1, info.max // 3], dt)",
        "    if k == 'f':",
        "        info = np.finfo(dt)",
        "        return np.array([0.0, -0.0, 1.5, -2.25, np.nan, np.inf, -np.inf, info.max, info.tiny,",
        "                         info.smallest_subnormal, 0.1], dt)",
        "    if k == 'c': return np.array([1 + 2j, -0.5 - 1j, complex(np.nan, np.inf), 0.1 + 0j], dt)",
        "    if k in 'Mm':",
        "        unit = np.datetime_data(dt)[0]",
        "        big = {'Y': 8000, 'M': 90000, 'W': 400000, 'D': 2900000, 'h': 70000000, 'm': 2**35}.get(unit, 2**40)",
        "        return np.array([0, 1, -1, 12345, -54321, big, -big, 'NaT'], dt)",
        "    if k == 'S': return np.array([b'ab', b'', b'a\\x00b', b'abcde', b'\\xff\\x00'], dt)",
        "    if k == 'U': return np.array(['ab', '', '\\u00e9\\u20ac\\U0001F600', 'abcd', 'a\\x00b'], dt)",
        "    if k == 'V': return np.array([b'abc', b'\\x00\\x00\\x00', b'a\\x00\\x00'], dt)",
        "out = {}",
        "def save(name, a):",
        "    np.save(d + '/' + name, a)",
        "    assert np.load(d + '/' + name).dtype == a.dtype",
        "    out[name] = [{n: canon(v[n]) for n in a.dtype.names} if a.dtype.names else {'value': canon(v)} for v in a]",
        "for order in '<>':",
        "    fields = [(field_name(i, t), (order + t) if t[0] not in 'SV' else t) for i, t in enumerate(types)]",
        "    a = np.zeros(8, np.dtype(fields))",
        "    for i, t in enumerate(types):",
        "        a[field_name(i, t)] = np.resize(values(t), 8)",
        "    save(file_name(order + 'all'), a)",
        "    for t in simple:",
        "        save(file_name(order + t), values(t).astype(order + t))",
        "emit(out)",
        "");
    expected = SparkValues.parseJsonObject(Python.run(FILE_NAME_FUNCTION + script));
  }

  private static final String FILE_NAME_FUNCTION = String.join("\n",
      "def field_name(i, t):",
      "    return str(i) + ':' + t",
      "def file_name(t):",
      "    return t.replace('<', 'le_').replace('>', 'be_').replace('[', '_').replace(']', '') + '.npy'",
      "");

  /** Field names of the all-types array: numbered, since Spark's names ignore case and M8[m] is not M8[M]. */
  private static String fieldName(String type) {
    return SpecTypes.SCALARS.indexOf(type) + ":" + type;
  }

  private static String fileName(String type) {
    return type.replace("<", "le_").replace(">", "be_").replace("[", "_").replace("]", "") + ".npy";
  }

  /**
   * One test per dtype and byte order: the dtype as a field of the structured array (strided reads), and the
   * simple ones as plain arrays too. The structured array is read once per byte order.
   */
  @TestFactory
  Stream<DynamicTest> everyTypeInBothByteOrders() {
    List<DynamicTest> tests = new ArrayList<>();
    for (String order : List.of("<", ">")) {
      String all = fileName(order + "all");
      tests.add(DynamicTest.dynamicTest(order + " all types as fields: names and dtypes", () -> {
        Dataset<Row> df = read(all);
        List<String> names = new ArrayList<>();
        for (int i = 0; i < SpecTypes.SCALARS.size(); i++) {
          names.add(fieldName(SpecTypes.SCALARS.get(i)));
        }
        assertEquals(names, List.of(df.schema().fieldNames()));
        for (StructField field : df.schema().fields()) {
          String dtype = field.metadata().getString("numpy.dtype");
          String type = field.name().substring(field.name().indexOf(':') + 1);
          assertTrue(dtype.endsWith(type), field + " has numpy.dtype " + dtype);
        }
      }));
      for (String type : SpecTypes.SCALARS) {
        tests.add(DynamicTest.dynamicTest(order + type + " as a field", () -> assertEquals(
            column(expectedRows(all), fieldName(type)), column(collected(all), fieldName(type)),
            fieldName(type) + " of " + all)));
      }
      for (String type : SIMPLE_TYPES) {
        String name = fileName(order + type);
        tests.add(DynamicTest.dynamicTest(order + type, () -> {
          Dataset<Row> df = read(name);
          assertEquals(expected.get(name), SparkValues.canonical(df.collectAsList()), name);
        }));
      }
    }
    return tests.stream();
  }

  /** The rows of a file as Spark reads them, in canonical form; read once. */
  private static List<Object> collected(String name) {
    return COLLECTED.computeIfAbsent(name, n -> SparkValues.canonical(read(n).collectAsList()));
  }

  @SuppressWarnings("unchecked")
  private static List<Object> expectedRows(String name) {
    return (List<Object>) expected.get(name);
  }

  /** One field of every row. */
  @SuppressWarnings("unchecked")
  private static List<Object> column(List<Object> rows, String field) {
    List<Object> values = new ArrayList<>();
    for (Object row : rows) {
      values.add(((Map<String, Object>) row).get(field));
    }
    return values;
  }

  @Test
  void sparkTypesFollowTheSpecTable() {
    assertEquals(DataTypes.createDecimalType(20, 0), valueType("le_u8.npy"));
    assertEquals(DataTypes.FloatType, valueType("be_f2.npy"));
    assertEquals(DataTypes.TimestampNTZType, valueType("be_M8_ns.npy"));
    assertEquals(YearMonthIntervalType.DEFAULT(), valueType("le_m8_Y.npy"));
    assertEquals(DayTimeIntervalType.DEFAULT(), valueType("le_m8_h.npy"));
    assertEquals(DataTypes.BinaryType, valueType("le_S5.npy"));
    assertEquals(DataTypes.StringType, valueType("be_U4.npy"));
    StructType all = read("be_all.npy").schema();
    assertEquals(DataTypes.DateType, all.apply(fieldName("M8[W]")).dataType());
    assertEquals(DataTypes.BinaryType, all.apply(fieldName("V3")).dataType());
    assertEquals(NumpySparkTypes.complexType(DataTypes.FloatType), all.apply(fieldName("c8")).dataType());
    assertEquals(">m8[7s]", all.apply(fieldName("m8[7s]")).metadata().getString("numpy.dtype"));
    assertTrue(all.apply(fieldName("M8[ns]")).nullable(), "NaT makes datetimes nullable");
    assertTrue(!all.apply(fieldName("f4")).nullable(), "numbers are never null");
  }

  @Test
  void natReadsAsNull() {
    List<Row> rows = read("be_M8_as.npy").collectAsList();
    assertEquals(null, rows.get(rows.size() - 1).get(0));
    assertEquals(1, read("le_m8_h.npy").where("value is null").count());
  }

  @Test
  void bytesAsStringReadsUtf8() {
    Dataset<Row> df = SparkTestSession.get().read().format("npy").option("bytesAsString", "true")
        .load(dir.resolve("le_S5.npy").toString());
    assertEquals(DataTypes.StringType, df.schema().fields()[0].dataType());
    List<Object> values = new ArrayList<>();
    df.collectAsList().forEach(r -> values.add(r.get(0)));
    assertEquals(List.of("ab", "", "a\u0000b", "abcde", "\ufffd"), values.stream().map(Object::toString).toList());
  }

  @Test
  void datetimeAsLongReadsRawCounts() {
    String counts = Python.run("a = np.load(" + Python.literal(dir.resolve("be_M8_ns.npy")) + ")\n"
        + "emit([{'value': int(v)} for v in a.astype('i8')])\n");
    Dataset<Row> df = SparkTestSession.get().read().format("npy").option("datetimeAsLong", "true")
        .load(dir.resolve("be_M8_ns.npy").toString());
    assertEquals(DataTypes.LongType, df.schema().fields()[0].dataType());
    assertEquals(SparkValues.parseJson(counts), SparkValues.canonical(df.collectAsList()));
    String deltas = Python.run("a = np.load(" + Python.literal(dir.resolve("le_m8_Y.npy")) + ")\n"
        + "emit([{'value': int(v)} for v in a.astype('i8')])\n");
    Dataset<Row> years = SparkTestSession.get().read().format("npy").option("datetimeAsLong", "true")
        .load(dir.resolve("le_m8_Y.npy").toString());
    assertEquals(DataTypes.LongType, years.schema().fields()[0].dataType());
    assertEquals(SparkValues.parseJson(deltas), SparkValues.canonical(years.collectAsList()));
  }

  @Test
  void objectAndLongDoubleArraysAreRefusedByName() {
    Path objects = dir.resolve("objects.npy");
    Path longDouble = dir.resolve("longdouble.npy");
    Path longComplex = dir.resolve("clongdouble.npy");
    Python.run("np.save(" + Python.literal(objects) + ", np.array([1, 'a', None], dtype=object),"
        + " allow_pickle=True)\n"
        + "np.save(" + Python.literal(longDouble) + ", np.array([1.5], dtype=np.longdouble))\n"
        + "np.save(" + Python.literal(longComplex) + ", np.array([1.5j], dtype=np.clongdouble))\n");
    Exception objectError = assertThrows(Exception.class, () -> read("objects.npy").collect());
    assertTrue(objectError.getMessage().contains("objects.npy") && objectError.getMessage().contains("object"),
        objectError.getMessage());
    Exception longDoubleError = assertThrows(Exception.class, () -> read("longdouble.npy").collect());
    assertTrue(longDoubleError.getMessage().contains("longdouble.npy"), longDoubleError.getMessage());
    Exception longComplexError = assertThrows(Exception.class, () -> read("clongdouble.npy").collect());
    assertTrue(longComplexError.getMessage().contains("clongdouble.npy")
        && longComplexError.getMessage().contains("c32"), longComplexError.getMessage());
  }

  /**
   * NumPy writes {@code <}, {@code >} and {@code |}, but reads {@code =} (native) and {@code |} on multi-byte
   * numbers (native too) in headers from other writers: so does the connector.
   */
  @Test
  void nativeAndNotApplicableByteOrdersInHeaders() {
    String rows = Python.run(String.join("\n",
        "import io",
        "def save_as(name, a, replacements):",
        "    buf = io.BytesIO()",
        "    np.save(buf, a)",
        "    raw = buf.getvalue()",
        "    for old, new in replacements:",
        "        assert raw.count(old) == 1, (old, raw[:128])",
        "        raw = raw.replace(old, new)",
        "    path = " + Python.literal(dir) + " + '/' + name",
        "    open(path, 'wb').write(raw)",
        "    return np.load(path)",
        "a = save_as('native.npy', np.array([1.5, -2.25, np.inf], '<f8'), [(b\"'<f8'\", b\"'=f8'\")])",
        "b = save_as('pipe.npy', np.array([7, -8, 2**31 - 1], '<i4'), [(b\"'<i4'\", b\"'|i4'\")])",
        "s = np.zeros(3, [('a', '<i2'), ('b', 'u1'), ('c', '<f4')])",
        "s['a'] = [1, -2, 3]; s['b'] = [0, 128, 255]; s['c'] = [0.5, -1, 3]",
        "s = save_as('mixed.npy', s, [(b\"'<i2'\", b\"'=i2'\"), (b\"'<f4'\", b\"'|f4'\")])",
        "emit({'native.npy': [{'value': canon(v)} for v in a], 'pipe.npy': [{'value': canon(v)} for v in b],",
        "      'mixed.npy': [{n: canon(r[n]) for n in s.dtype.names} for r in s]})"));
    Map<String, Object> expectedRows = SparkValues.parseJsonObject(rows);
    for (String name : List.of("native.npy", "pipe.npy", "mixed.npy")) {
      assertEquals(expectedRows.get(name), SparkValues.canonical(read(name).collectAsList()), name);
    }
    assertEquals(DataTypes.DoubleType, valueType("native.npy"));
  }

  private static DataType valueType(String name) {
    return read(name).schema().fields()[0].dataType();
  }

  private static Dataset<Row> read(String name) {
    SparkSession spark = SparkTestSession.get();
    return spark.read().format("npy").load(dir.resolve(name).toString());
  }
}
