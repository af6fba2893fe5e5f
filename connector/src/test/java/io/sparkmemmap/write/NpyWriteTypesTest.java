package io.sparkmemmap.write;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.sparkmemmap.Python;
import io.sparkmemmap.SparkTestSession;
import io.sparkmemmap.SparkValues;
import io.sparkmemmap.schema.NumpySparkTypes;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.Period;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.DayTimeIntervalType;
import org.apache.spark.sql.types.Metadata;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.sql.types.YearMonthIntervalType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every Spark type of the SPEC's Spark to NumPy table, every output layout, casts and recorded dtypes: NumPy opens
 * each output and finds exactly the dtype and the values written, and {@code np.save} of the same array gives the
 * same bytes.
 */
class NpyWriteTypesTest {
  private static SparkSession spark;

  @TempDir
  Path dir;

  @BeforeAll
  static void session() {
    spark = SparkTestSession.get();
  }

  private static StructField field(String name, org.apache.spark.sql.types.DataType type) {
    return DataTypes.createStructField(name, type, true);
  }

  private static StructField field(String name, org.apache.spark.sql.types.DataType type, String numpyDType) {
    return new StructField(name, type, true, NumpySparkTypes.withDType(Metadata.empty(), numpyDType));
  }

  /** Spark values in the canonical form, with {@link Instant} (a timestamp with time zone) as microseconds. */
  private static Object canonical(Object value) {
    if (value instanceof Instant instant) {
      return BigInteger.valueOf(instant.getEpochSecond()).multiply(BigInteger.valueOf(1_000_000))
          .add(BigInteger.valueOf(instant.getNano() / 1000));
    }
    return SparkValues.canonical(value);
  }

  private static List<Object> canonicalRows(Dataset<Row> df) {
    List<Object> rows = new ArrayList<>();
    for (Row row : df.collectAsList()) {
      Map<String, Object> map = new LinkedHashMap<>();
      for (int i = 0; i < row.size(); i++) {
        map.put(row.schema().fieldNames()[i], canonical(row.get(i)));
      }
      rows.add(map);
    }
    return rows;
  }

  private static List<Object> firstColumn(Dataset<Row> df) {
    return df.collectAsList().stream().map(r -> canonical(r.get(0))).toList();
  }

  /** Each Spark type of the SPEC table, as a column, and the NumPy dtype its field must have. */
  private static final Map<String, String> SPEC_TABLE_DTYPES = specTableDtypes();

  private static Map<String, String> specTableDtypes() {
    Map<String, String> dtypes = new LinkedHashMap<>();
    for (String[] column : new String[][] {{"b", "|b1"}, {"i1", "|i1"}, {"i2", "<i2"}, {"i4", "<i4"},
        {"i8", "<i8"}, {"f4", "<f4"}, {"f8", "<f8"}, {"d", "<M8[D]"}, {"ts", "<M8[us]"}, {"tsz", "<M8[us]"},
        {"dt", "<m8[us]"}, {"ym", "<m8[M]"}, {"s", "<U6"}, {"bin", "|S6"}}) {
      dtypes.put(column[0], column[1]);
    }
    return dtypes;
  }

  /**
   * Every Spark type of the SPEC's table as a field of one structured array (written in two partitions): one test
   * per type, on its dtype and its values, after one on the fields' order and the row count.
   */
  @TestFactory
  Stream<DynamicTest> everySparkTypeOfTheSpecTableAsAStructuredArray() {
    StructType schema = new StructType(new StructField[] {
        field("b", DataTypes.BooleanType),
        field("i1", DataTypes.ByteType),
        field("i2", DataTypes.ShortType),
        field("i4", DataTypes.IntegerType),
        field("i8", DataTypes.LongType),
        field("f4", DataTypes.FloatType),
        field("f8", DataTypes.DoubleType),
        field("d", DataTypes.DateType),
        field("ts", DataTypes.TimestampNTZType),
        field("tsz", DataTypes.TimestampType),
        field("dt", DayTimeIntervalType.apply()),
        field("ym", YearMonthIntervalType.apply()),
        field("s", DataTypes.StringType),
        field("bin", DataTypes.BinaryType)});
    List<Row> rows = List.of(
        RowFactory.create(true, (byte) -128, (short) -32768, Integer.MIN_VALUE, Long.MIN_VALUE, Float.NaN,
            Double.NEGATIVE_INFINITY, LocalDate.of(1969, 12, 31), LocalDateTime.of(1900, 1, 1, 0, 0, 0, 1000),
            Instant.ofEpochSecond(-1, 999_999_000), Duration.ofNanos(-1000), Period.ofMonths(-13), "", new byte[0]),
        RowFactory.create(false, (byte) 127, (short) 32767, Integer.MAX_VALUE, Long.MAX_VALUE, -0.0f,
            Double.MAX_VALUE, LocalDate.of(9999, 12, 31), LocalDateTime.of(2262, 4, 11, 23, 47, 16, 854_775_000),
            Instant.parse("2024-02-29T12:34:56.789012Z"), Duration.ofDays(10_000).plusNanos(1000),
            Period.ofYears(800), "é€😀ab", new byte[] {1, 0, -1, 2}),
        RowFactory.create(true, (byte) 0, (short) 1, 2, 3L, Float.MIN_VALUE, 0.1, LocalDate.of(1, 1, 1),
            LocalDateTime.of(1970, 1, 1, 0, 0), Instant.EPOCH, Duration.ZERO, Period.ZERO, "abcdef",
            "ab".getBytes(StandardCharsets.UTF_8)));
    Dataset<Row> df = spark.createDataFrame(rows, schema).repartition(2);
    Path out = dir.resolve("all.npy");
    df.write().format("npy").option("singleFile", "true").option("stringLength", "6").save(out.toString());

    @SuppressWarnings("unchecked")
    Map<String, Object> numpy = (Map<String, Object>) NumpyChecks.run(String.join("\n",
        "a = check(" + Python.literal(out) + ")",
        "emit({'dtypes': {n: a.dtype[n].str for n in a.dtype.names}, 'names': list(a.dtype.names),",
        "      'shape': list(a.shape), 'values': canon(a)})"));
    @SuppressWarnings("unchecked")
    Map<String, Object> dtypes = (Map<String, Object>) numpy.get("dtypes");
    // the single file holds the partitions in order: compare with the same rows collected in partition order
    List<Object> written = canonicalRows(df);
    List<DynamicTest> tests = new ArrayList<>();
    tests.add(DynamicTest.dynamicTest("fields in column order, one row per row", () -> {
      assertEquals(List.copyOf(SPEC_TABLE_DTYPES.keySet()), numpy.get("names"));
      assertEquals(List.of(BigInteger.valueOf(3)), numpy.get("shape"));
    }));
    for (StructField column : schema.fields()) {
      String name = column.name();
      String dtype = SPEC_TABLE_DTYPES.get(name);
      tests.add(DynamicTest.dynamicTest(column.dataType().simpleString() + " as " + dtype, () -> {
        assertEquals(dtype, dtypes.get(name), "dtype of " + name);
        assertEquals(columnOf(written, name), columnOf(rowsOf(numpy.get("values")), name), "values of " + name);
      }));
    }
    return tests.stream();
  }

  /** One field of every row, rows in canonical form. */
  @SuppressWarnings("unchecked")
  private static List<Object> columnOf(List<Object> rows, String name) {
    return rows.stream().map(row -> ((Map<String, Object>) row).get(name)).toList();
  }

  @SuppressWarnings("unchecked")
  private static List<Object> rowsOf(Object rows) {
    return (List<Object>) rows;
  }

  @Test
  void oneScalarColumnIsA1DArrayAndADirectoryOfParts() {
    Dataset<Row> df = spark.range(0, 1000, 1, 4).selectExpr("cast(id * 0.5 as double) as value");
    Path out = dir.resolve("parts");
    df.write().format("npy").save(out.toString());
    Map<String, Object> numpy = NumpyChecks.directory(out);
    assertEquals("<f8", numpy.get("descr"));
    assertEquals(BigInteger.valueOf(4), numpy.get("parts"));
    assertEquals(firstColumn(df), numpy.get("values"));
  }

  @Test
  void dtypeOptionCastsAsNumpyAstype() {
    List<Double> values = List.of(0.0, -0.0, 1.0, -2.5, 65504.0, 65520.0, 1e-8, 3.14159, 1e-5, 2.5, 126.7,
        Double.NaN, Double.POSITIVE_INFINITY);
    List<Row> rows = values.stream().map(v -> RowFactory.create(v)).toList();
    Dataset<Row> df = spark.createDataFrame(rows, new StructType().add("x", DataTypes.DoubleType)).repartition(1);
    for (String dtype : List.of("<f2", ">f2", ">f4", "<f8", "<c8", ">c16")) {
      Path out = dir.resolve("cast" + dtype.replace('<', 'l').replace('>', 'b') + ".npy");
      df.write().format("npy").option("singleFile", "true").option("dtype", dtype).save(out.toString());
      NumpyChecks.run(String.join("\n",
          "a = check(" + Python.literal(out) + ")",
          "x = np.array(" + pythonFloats(values) + ", 'f8')",
          "with np.errstate(over='ignore'):",
          "    expected = x.astype('" + dtype + "')",
          "assert a.dtype == np.dtype('" + dtype + "'), a.dtype",
          "assert a.tobytes() == expected.tobytes(), (a, expected)",
          "emit(True)"));
    }
    List<Row> ints = List.of(RowFactory.create(-129L), RowFactory.create(5L));
    Dataset<Row> small = spark.createDataFrame(List.of(RowFactory.create(-128L), RowFactory.create(127L),
        RowFactory.create(5L)), new StructType().add("v", DataTypes.LongType));
    Path bigEndian = dir.resolve("be.npy");
    small.write().format("npy").option("singleFile", "true").option("dtype", ">i2").save(bigEndian.toString());
    assertEquals(">i2", NumpyChecks.singleFile(bigEndian).get("descr"));
    Path bytes = dir.resolve("i1.npy");
    small.write().format("npy").option("singleFile", "true").option("dtype", "int8").save(bytes.toString());
    Map<String, Object> int8 = NumpyChecks.singleFile(bytes);
    assertEquals("|i1", int8.get("descr"));
    assertEquals(firstColumn(small), int8.get("values"));
    assertEquals(2, ints.size());
  }

  private static String pythonFloats(List<Double> values) {
    StringBuilder sb = new StringBuilder("[");
    for (double v : values) {
      sb.append(Double.isNaN(v) ? "float('nan')" : Double.isInfinite(v) ? (v > 0 ? "float('inf')" : "float('-inf')")
          : Double.toString(v)).append(", ");
    }
    return sb.append(']').toString();
  }

  @Test
  void oneArrayColumnIsAnNdArray() {
    Dataset<Row> vectors = spark.range(0, 50, 1, 3)
        .selectExpr("array(cast(id as float), cast(id + 0.5 as float), cast(-id as float)) as value");
    Path out = dir.resolve("vectors.npy");
    vectors.write().format("npy").option("singleFile", "true").save(out.toString());
    Map<String, Object> numpy = NumpyChecks.singleFile(out);
    assertEquals("<f4", numpy.get("descr"));
    assertEquals(List.of(BigInteger.valueOf(50), BigInteger.valueOf(3)), numpy.get("shape"));
    assertEquals(firstColumn(vectors), numpy.get("values"));

    Dataset<Row> matrices = spark.range(0, 7, 1, 2)
        .selectExpr("array(array(id, id + 1, id + 2), array(-id, 0, cast(id * id as long))) as m");
    Path cube = dir.resolve("cube");
    matrices.write().format("npy").save(cube.toString());
    Map<String, Object> d = NumpyChecks.directory(cube);
    assertEquals("<i8", d.get("descr"));
    assertEquals(List.of(BigInteger.valueOf(7), BigInteger.valueOf(2), BigInteger.valueOf(3)), d.get("shape"));
    assertEquals(firstColumn(matrices), d.get("values"));
  }

  @Test
  void severalColumnsAreAStructuredDtypeWithNestedStructsAndSubarrays() {
    Dataset<Row> df = spark.range(0, 20, 1, 2).selectExpr(
        "id",
        "named_struct('x', cast(id as double), 'y', named_struct('z', cast(id as short))) as pos",
        "array(cast(id as float), 1.5f, 2.5f, 3.5f) as emb",
        "array(array(cast(id as int), 1), array(2, 3), array(4, 5)) as grid",
        "array(named_struct('a', cast(id as byte), 'b', id * 2), named_struct('a', cast(1 as byte), 'b', 0L)) as pts");
    Path out = dir.resolve("structured.npy");
    df.write().format("npy").option("singleFile", "true").save(out.toString());
    Map<String, Object> numpy = NumpyChecks.singleFile(out);
    assertEquals("[('id', '<i8'), ('pos', [('x', '<f8'), ('y', [('z', '<i2')])]), ('emb', '<f4', (4,)), "
        + "('grid', '<i4', (3, 2)), ('pts', [('a', '|i1'), ('b', '<i8')], (2,))]", numpy.get("descr"));
    assertEquals(canonicalRows(df), numpy.get("values"));

    // an array of structs alone: a 2-D structured array
    Dataset<Row> points = df.select("pts");
    Path pointsOut = dir.resolve("points.npy");
    points.write().format("npy").option("singleFile", "true").save(pointsOut.toString());
    Map<String, Object> p = NumpyChecks.singleFile(pointsOut);
    assertEquals("[('a', '|i1'), ('b', '<i8')]", p.get("descr"));
    assertEquals(List.of(BigInteger.valueOf(20), BigInteger.valueOf(2)), p.get("shape"));
    assertEquals(firstColumn(points), p.get("values"));
  }

  @Test
  void columnsLayoutPutsScalarColumnsSideBySide() {
    Dataset<Row> df = spark.range(0, 30, 1, 3)
        .selectExpr("cast(id as float) as c0", "cast(id * 2 as float) as c1", "cast(-id as float) as c2");
    Path out = dir.resolve("matrix.npy");
    df.write().format("npy").option("singleFile", "true").option("layout", "columns").save(out.toString());
    Map<String, Object> numpy = NumpyChecks.singleFile(out);
    assertEquals("<f4", numpy.get("descr"));
    assertEquals(List.of(BigInteger.valueOf(30), BigInteger.valueOf(3)), numpy.get("shape"));
    List<Object> expected = df.collectAsList().stream()
        .map(r -> (Object) SparkValues.canonical(List.of(r.get(0), r.get(1), r.get(2)))).toList();
    assertEquals(expected, numpy.get("values"));

    // mixed columns promote as numpy's result_type: int32 and float32 give float64
    Dataset<Row> mixed = spark.range(0, 5, 1, 1).selectExpr("cast(id as int) as a", "cast(id / 2 as float) as b",
        "id % 2 = 0 as c");
    Path mixedOut = dir.resolve("mixed.npy");
    mixed.write().format("npy").option("singleFile", "true").option("layout", "columns").save(mixedOut.toString());
    Map<String, Object> m = NumpyChecks.singleFile(mixedOut);
    assertEquals("<f8", m.get("descr"));
    List<Object> mixedExpected = mixed.collectAsList().stream().map(r -> (Object) SparkValues.canonical(List.of(
        r.getInt(0) * 1.0, (double) r.getFloat(1), r.getBoolean(2) ? 1.0 : 0.0))).toList();
    assertEquals(mixedExpected, m.get("values"));
  }

  @Test
  void recordedNumpyDtypeWins() {
    StructType schema = new StructType(new StructField[] {
        field("half", DataTypes.FloatType, "<f2"),
        field("byte", DataTypes.ShortType, "|u1"),
        field("big", DataTypes.createDecimalType(20, 0), "<u8"),
        field("ns", DataTypes.TimestampNTZType, "<M8[ns]"),
        field("weeks", DataTypes.DateType, ">M8[W]"),
        field("s", DataTypes.StringType, "<U3"),
        field("z", NumpySparkTypes.complexType(DataTypes.DoubleType), "<c16"),
        field("raw", DataTypes.LongType, "<m8[ps]")});
    List<Row> rows = List.of(
        RowFactory.create(1.5f, (short) 255, new BigDecimal("18446744073709551615"),
            LocalDateTime.of(2000, 1, 1, 0, 0, 0, 123_456_000), LocalDate.of(1970, 1, 8), "abc",
            RowFactory.create(1.0, -2.0), 7L),
        RowFactory.create(-0.5f, (short) 0, BigDecimal.ZERO, LocalDateTime.of(1969, 12, 31, 23, 59, 59),
            LocalDate.of(1969, 12, 25), "", RowFactory.create(Double.NaN, 0.25), -1L));
    Dataset<Row> df = spark.createDataFrame(rows, schema);
    Path out = dir.resolve("recorded.npy");
    df.write().format("npy").option("singleFile", "true").save(out.toString());
    Map<String, Object> numpy = NumpyChecks.singleFile(out);
    assertEquals("[('half', '<f2'), ('byte', '|u1'), ('big', '<u8'), ('ns', '<M8[ns]'), ('weeks', '>M8[W]'), "
        + "('s', '<U3'), ('z', '<c16'), ('raw', '<m8[ps]')]", numpy.get("descr"));
    Object values = NumpyChecks.run(String.join("\n",
        "a = check(" + Python.literal(out) + ")",
        "emit([[int(x) for x in a['byte']], [str(x) for x in a['big']], a['ns'].astype('i8').tolist(),",
        "      a['weeks'].astype('i8').tolist(), [float(x) for x in a['half']], a['raw'].astype('i8').tolist(),",
        "      [[float(x.real), float(x.imag)] for x in a['z'][:1]]])"));
    assertEquals(SparkValues.parseJson("[[255, 0], [\"18446744073709551615\", \"0\"], "
        + "[946684800123456000, -1000000000], [1, -1], [1.5, -0.5], [7, -1], [[1.0, -2.0]]]"), values);
  }

  @Test
  void structuredDtypeOptionKeepsPaddingAndFieldOrder() {
    Dataset<Row> df = spark.range(0, 10, 1, 2).selectExpr("cast(id as int) as b", "cast(id as byte) as a");
    Path out = dir.resolve("padded.npy");
    String descr = "{'names': ['a', 'b'], 'formats': ['u1', '>i4'], 'offsets': [0, 4], 'itemsize': 12}";
    df.write().format("npy").option("singleFile", "true").option("dtype", descr).save(out.toString());
    Object result = NumpyChecks.run(String.join("\n",
        "a = check(" + Python.literal(out) + ")",
        "assert a.dtype == np.dtype(" + descr + "), a.dtype",
        "raw = np.fromfile(" + Python.literal(out) + ", 'u1')[-12:]",
        "emit([a['a'].tolist(), a['b'].tolist(), raw[1:4].tolist(), raw[8:].tolist()])"));
    assertEquals(SparkValues.parseJson("[[0,1,2,3,4,5,6,7,8,9], [0,1,2,3,4,5,6,7,8,9], [0,0,0], [0,0,0,0]]"), result);
  }

  @Test
  void structuredDtypeOptionCastsTheFieldsOfStructColumns() {
    Dataset<Row> df = spark.range(0, 6, 1, 2).selectExpr("id",
        "named_struct('x', id / 4, 'y', named_struct('z', id * 1000, 'w', array(cast(id as int), 200))) as pos");
    String descr = "[('id', '>i2'), ('pos', [('x', '<f2'), ('y', [('z', '>i4'), ('w', 'u1', (2,))])])]";
    Path out = dir.resolve("nested-cast.npy");
    df.write().format("npy").option("singleFile", "true").option("dtype", descr).save(out.toString());
    Object same = NumpyChecks.run(String.join("\n",
        "a = check(" + Python.literal(out) + ")",
        "e = np.zeros(6, " + descr + ")",
        "e['id'] = range(6)",
        "e['pos']['x'] = np.arange(6) / 4",
        "e['pos']['y']['z'] = np.arange(6) * 1000",
        "e['pos']['y']['w'] = np.stack([np.arange(6), np.full(6, 200)], axis=1).astype('u1')",
        "emit([a.dtype == e.dtype, a.tobytes() == e.tobytes()])"));
    assertEquals(List.of(true, true), same, "dtype and bytes of np.zeros(6, dtype) filled with astype casts");
  }

  @Test
  void stringsAndBinaryTakeStringLength() {
    Dataset<Row> df = spark.createDataFrame(List.of(
        RowFactory.create("ab", new byte[] {0, 1}), RowFactory.create("😀😀😀😀", new byte[] {1, 2, 3, 4}),
        RowFactory.create("", new byte[] {})),
        new StructType().add("s", DataTypes.StringType).add("b", DataTypes.BinaryType));
    Path out = dir.resolve("strings.npy");
    df.write().format("npy").option("singleFile", "true").option("stringLength", "4").save(out.toString());
    Map<String, Object> numpy = NumpyChecks.singleFile(out);
    assertEquals("[('s', '<U4'), ('b', '|S4')]", numpy.get("descr"));
    assertEquals(canonicalRows(df), numpy.get("values"));
    // a string column as UTF-8 bytes when the dtype says S
    Path utf8 = dir.resolve("utf8.npy");
    df.select("s").write().format("npy").option("singleFile", "true").option("dtype", "S16").save(utf8.toString());
    Object bytes = NumpyChecks.run("emit([x.decode('utf-8') for x in check(" + Python.literal(utf8) + ")])");
    assertEquals(Arrays.asList("ab", "😀😀😀😀", ""), bytes);
  }

  @Test
  void nullValueFillsNullsAndDatetimesWriteNaT() {
    Dataset<Row> df = spark.createDataFrame(List.of(
        RowFactory.create(null, null, null, null, null),
        RowFactory.create(1.5, 7, "x", LocalDate.of(2020, 1, 1), new float[] {1f, 2f}),
        RowFactory.create(null, null, null, null, null)),
        new StructType().add("f", DataTypes.DoubleType).add("i", DataTypes.IntegerType)
            .add("s", DataTypes.StringType).add("d", DataTypes.DateType)
            .add("v", DataTypes.createArrayType(DataTypes.FloatType)));
    Dataset<Row> withArrays = df.selectExpr("f", "i", "s", "d", "cast(v as array<float>) as v");
    Path out = dir.resolve("nulls.npy");
    df.selectExpr("f", "i", "s", "d", "case when f is null then null else array(1.0f, 2.0f) end as v")
        .repartition(1)
        .write().format("npy").option("singleFile", "true").option("nullValue", "-1").option("stringLength", "2")
        .save(out.toString());
    Object result = NumpyChecks.run(String.join("\n",
        "a = check(" + Python.literal(out) + ")",
        "emit([a['f'].tolist(), a['i'].tolist(), a['s'].tolist(), [str(x) for x in a['d']], a['v'].tolist()])"));
    assertEquals(SparkValues.parseJson("[[-1.0, 1.5, -1.0], [-1, 7, -1], [\"-1\", \"x\", \"-1\"], "
        + "[\"NaT\", \"2020-01-01\", \"NaT\"], [[-1.0, -1.0], [1.0, 2.0], [-1.0, -1.0]]]"), result);
    assertEquals(3, withArrays.count());
  }

  @Test
  void memmapWritesRawBytes() {
    Dataset<Row> df = spark.range(0, 40, 1, 3).selectExpr("array(cast(id as int), cast(-id as int)) as v");
    Path parts = dir.resolve("raw");
    df.write().format("memmap").save(parts.toString());
    Path single = dir.resolve("raw.dat");
    df.write().format("memmap").option("singleFile", "true").option("dtype", ">i2").save(single.toString());
    Object result = NumpyChecks.run(String.join("\n",
        "ps = parts(" + Python.literal(parts) + ", '.dat')",
        "a = np.concatenate([np.memmap(p, dtype='<i4', mode='r').reshape(-1, 2) for p in ps])",
        "b = np.memmap(" + Python.literal(single) + ", dtype='>i2', mode='r').reshape(-1, 2)",
        "emit([len(ps), a.tolist(), b.tolist()])"));
    List<Object> expected = df.collectAsList().stream().map(r -> SparkValues.canonical(r.get(0))).toList();
    assertEquals(List.of(BigInteger.valueOf(3), expected, expected), result);
  }
}
