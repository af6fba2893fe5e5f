package io.sparkmemmap.write;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkmemmap.Python;
import io.sparkmemmap.SparkTestSession;
import io.sparkmemmap.SpecTypes;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * A file NumPy wrote, read by Spark and written back, has the same dtype, the same shape and a byte-identical data
 * region, for every dtype the reader maps (as the fields of one structured array, and as 1-D arrays), N-D and
 * nested arrays, and 2-D arrays read as columns: the field metadata {@code numpy.dtype} carries the type through.
 * Values are what Spark can hold exactly: whole microseconds for finer units, canonical booleans.
 */
class RoundTripTest {
  /** 1-D arrays of one simple dtype: a single column {@code value}. */
  private static final List<String> ONE_D = List.of("<f2", ">M8[ns]", "<U4", "|S5", "<u8", ">m8[Y]");

  /** Arrays that are not one scalar per row: N-D, structured, nested, and 2-D read one column per axis-1 index. */
  private static final Map<String, String> SHAPED = Map.of(
      "cube", "np.arange(60, dtype='>i2').reshape(5, 3, 4)",
      "records", "np.array([(1, (2.5, b'ab'), [[1, 2, 3], [4, 5, 6]]), (-7, (np.nan, b''), np.zeros((2, 3)))], "
          + "dtype=[('a', '<i4'), ('b', [('c', '<f8'), ('d', 'S3')]), ('e', '<f4', (2, 3))])",
      // padding bytes zero, as a writer leaves them: np.array of tuples leaves them uninitialized
      "padded", "zeroed([(1, (2, 3.5)), (4, (5, -1.0))], "
          + "[('k', '<i8'), ('inner', np.dtype([('x', 'u1'), ('y', '<f8')], align=True))])",
      "vectors", "(np.arange(40, dtype='<f4') / 7).reshape(10, 4)");

  @TempDir
  static Path dir;

  private static SparkSession spark;
  /** The fields of all.npy: one per scalar dtype and byte order. */
  private static List<String> allFields;

  @BeforeAll
  @SuppressWarnings("unchecked")
  static void writeFiles() {
    spark = SparkTestSession.get();
    StringBuilder shaped = new StringBuilder();
    SHAPED.forEach((name, expr) -> shaped.append("np.save(d + '/").append(name).append(".npy', ").append(expr)
        .append(")\n"));
    allFields = (List<String>) NumpyChecks.run(String.join("\n",
        "d = " + Python.literal(dir),
        "def values(t):",
        "    dt = np.dtype(t)",
        "    k = dt.kind",
        "    if k == 'b': return np.array([0, 1, 1, 0], 'u1').view('?')",
        "    if k in 'iu':",
        "        info = np.iinfo(dt)",
        "        return np.array([info.min, info.max, 0, 1, info.max // 3], dt)",
        "    if k == 'f':",
        "        info = np.finfo(dt)",
        "        return np.array([0.0, -0.0, 1.5, -2.25, np.nan, np.inf, -np.inf, info.max, info.tiny,",
        "                         info.smallest_subnormal, 0.1], dt)",
        "    if k == 'c': return np.array([1 + 2j, -0.5 - 1j, complex(np.nan, np.inf), 0.1 + 0j], dt)",
        "    if k in 'Mm':",
        "        unit, count = np.datetime_data(dt)",
        // units finer than a microsecond read floored to microseconds: values here are whole microseconds
        "        per_us = {'ns': 10**3, 'ps': 10**6, 'fs': 10**9, 'as': 10**12}.get(unit, 1)",
        "        big = {'Y': 8000, 'M': 90000, 'W': 400000, 'D': 2900000, 'h': 70000000, 'm': 2**35,",
        "               'fs': 2**30, 'as': 2**20}.get(unit, 2**40)",
        "        raw = np.array([0, 1, -1, 12345, -54321, big, -big], 'i8') * per_us",
        "        return np.concatenate([raw.view(dt), np.array(['NaT'], dt)])",
        "    if k == 'S': return np.array([b'ab', b'', b'a\\x00b', b'abcde', b'\\xff\\x00'], dt)",
        "    if k == 'U': return np.array(['ab', '', '\\u00e9\\u20ac\\U0001F600', 'abcd', 'a\\x00b'], dt)",
        "    if k == 'V': return np.array([b'abc', b'\\x00\\x00\\x00', b'a\\x00\\x00'], dt)",
        "def zeroed(rows, dt):",
        "    a, src = np.zeros(len(rows), dt), np.array(rows, dt)",
        "    def copy(dst, s):",
        "        for n in s.dtype.names:",
        "            if s.dtype[n].names: copy(dst[n], s[n])",
        "            else: dst[n] = s[n]",
        "    copy(a, src)",
        "    return a",
        "def fname(t):",
        "    return t.replace('<', 'le_').replace('<', 'le_').replace('>', 'be_').replace('|', '').replace('[', '_').replace(']', '')",
        "ROWS = 11",
        "fields = []",
        "for t in " + Python.literal(SpecTypes.SCALARS) + ":",
        "    for order in ('<>' if t[0] not in 'SV' else '|'):",
        "        dt = np.dtype(order + t) if order != '|' else np.dtype(t)",
        "        v = values(t).astype(dt)",
        // Spark's column names ignore case, and u4 is not U4: a number keeps the names apart
        "        fields.append(('c%02d_' % len(fields) + fname(order + t), dt, np.resize(v, ROWS)))",
        "a = np.zeros(ROWS, [(n, dt) for n, dt, _ in fields])",
        "for n, _, v in fields:",
        "    a[n] = v",
        "np.save(d + '/all.npy', a)",
        "for t in " + Python.literal(ONE_D) + ":",
        "    np.save(d + '/' + fname(t) + '.npy', values(t[1:]).astype(np.dtype(t)))",
        shaped.toString(),
        "emit([n for n, _, _ in fields])"));
  }

  /** The name the script's {@code fname} gives a dtype, plus {@code .npy}. */
  private static String fileName(String typeWithOrder) {
    return typeWithOrder.replace("<", "le_").replace(">", "be_").replace("|", "").replace("[", "_")
        .replace("]", "") + ".npy";
  }

  /**
   * Reads each file with Spark and writes it back as one file, then asks NumPy, in one run, whether dtype, shape
   * and data bytes are the same.
   */
  @TestFactory
  Stream<DynamicTest> everyDtypeWritesBackByteForByte() {
    Map<String, Map<String, String>> files = new LinkedHashMap<>();
    files.put("all.npy", Map.of());
    ONE_D.forEach(t -> files.put(fileName(t), Map.of()));
    SHAPED.keySet().forEach(n -> files.put(n + ".npy", Map.of()));
    files.put("vectors.npy", Map.of("layout", "columns"));
    StringBuilder checks = new StringBuilder("out = {}\n");
    for (Map.Entry<String, Map<String, String>> file : files.entrySet()) {
      Path source = dir.resolve(file.getKey());
      Path copy = dir.resolve("copy-" + file.getKey());
      Dataset<Row> df = spark.read().format("npy").options(file.getValue()).load(source.toString());
      df.write().format("npy").options(file.getValue()).option("singleFile", "true").save(copy.toString());
      checks.append("a, b = np.load(").append(Python.literal(source)).append("), check(")
          .append(Python.literal(copy)).append(")\n")
          .append("out[").append(Python.literal(file.getKey())).append("] = [a.dtype == b.dtype, ")
          .append("list(a.shape) == list(b.shape), a.tobytes() == b.tobytes(), str(a.dtype), str(b.dtype)]\n");
    }
    @SuppressWarnings("unchecked")
    Map<String, List<Object>> same = (Map<String, List<Object>>) NumpyChecks.run(checks + "emit(out)");
    return files.keySet().stream().map(name -> DynamicTest.dynamicTest(name, () ->
        assertEquals(List.of(true, true, true), same.get(name).subList(0, 3), name + ": " + same.get(name))));
  }

  /**
   * One test per dtype and byte order: its field of all.npy is a column whose metadata carries the dtype back, so
   * that the field written back has the same dtype and the same bytes.
   */
  @TestFactory
  Stream<DynamicTest> everyDtypeIsAColumnWrittenBackAsItsField() {
    Path source = dir.resolve("all.npy");
    Path copy = dir.resolve("fields-all.npy");
    Dataset<Row> df = spark.read().format("npy").load(source.toString());
    List<String> columns = List.of(df.columns());
    df.write().format("npy").option("singleFile", "true").save(copy.toString());
    @SuppressWarnings("unchecked")
    Map<String, List<Object>> same = (Map<String, List<Object>>) NumpyChecks.run(String.join("\n",
        "a, b = np.load(" + Python.literal(source) + "), check(" + Python.literal(copy) + ")",
        "emit({n: [n in (b.dtype.names or ()) and a.dtype[n] == b.dtype[n],",
        "          n in (b.dtype.names or ()) and a[n].tobytes() == b[n].tobytes(),",
        "          a.dtype[n].str, b.dtype[n].str if n in (b.dtype.names or ()) else None]",
        "      for n in a.dtype.names})"));
    assertEquals(SpecTypes.SCALARS.size() * 2 - 2, allFields.size());
    return allFields.stream().map(name -> DynamicTest.dynamicTest(name, () -> {
      assertTrue(columns.contains(name), name + " not among " + columns);
      assertEquals(List.of(true, true), same.get(name).subList(0, 2),
          name + ": same dtype, same bytes (dtypes " + same.get(name).subList(2, 4) + ")");
    }));
  }
}
