package io.sparkmemmap.read;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.size;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkmemmap.MegatronPython;
import io.sparkmemmap.QueryPlans;
import io.sparkmemmap.SparkTestSession;
import io.sparkmemmap.SparkValues;
import java.math.BigInteger;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.LongStream;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.execution.datasources.v2.BatchScanExec;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code size(tokens)} of a Megatron pair and {@code size(value)} of a ragged array, made by NumPy, in SELECT,
 * WHERE, GROUP BY, ORDER BY, aggregates, join conditions and unions, in SQL on paths, tables of the session catalog
 * and the DataFrame API: answered from the index alone (the scan reads no array column and no byte of the data
 * file), equal to the lengths NumPy wrote, to {@code _length} and to the sizes of the arrays a full read returns;
 * where the elements are also selected, or the rule is excluded, they are read as before. Spark's validation of
 * every optimizer rule's plan is on throughout.
 */
class RecordSizesTest {
  @TempDir
  static Path dir;

  /** What NumPy wrote, by format: {@code lengths} and {@code elements} of each record in index order. */
  private static Map<String, Object> numpy;

  @BeforeAll
  static void writeRecords() {
    // Spark's own checks of each optimizer rule's plan: resolved, same output, unique expression ids
    spark().conf().set("spark.sql.planChangeValidation", "true");
    numpy = SparkValues.parseJsonObject(MegatronPython.run(dir, String.join("\n",
        "import os",
        "rng = np.random.default_rng(20)",
        "seqs = [rng.integers(0, 65535, rng.integers(0, 50)).tolist() for _ in range(3000)]",
        "docs = np.concatenate([[0], np.sort(rng.integers(0, 3001, 400)), [3000]]).astype(np.int64)",
        "write_pair('corpus', np.uint16, seqs, docs)",
        // the indexed-records recipe: rows in any order over one flat array, empty rows included
        "lengths = rng.integers(0, 40, 2500)",
        "offsets = np.concatenate([[0], np.cumsum(lengths)])",
        "flat = rng.standard_normal(int(offsets[-1])).astype(np.float32)",
        "order = rng.permutation(len(lengths))",
        "pairs = np.stack([offsets[:-1][order], lengths[order]], axis=1).astype(np.int64)",
        "os.mkdir('ragged')",
        "np.save('ragged/data.npy', flat)",
        "np.save('ragged/index.npy', pairs)",
        "emit({'megatron': {'lengths': validate('corpus')[1].tolist(), 'elements': sequences('corpus')},",
        "      'ragged': {'lengths': pairs[:, 1].tolist(),",
        "                 'elements': [canon(flat[a:a + n]) for a, n in pairs]}})")).strip());
  }

  @AfterAll
  static void stopValidatingPlans() {
    spark().conf().unset("spark.sql.planChangeValidation");
  }

  private static SparkSession spark() {
    return SparkTestSession.get();
  }

  /** Where NumPy wrote the records of a format. */
  private static Path path(String format) {
    return dir.resolve(format.equals("megatron") ? "corpus" : "ragged");
  }

  /** The records of a format as a table name for SQL on paths. */
  private static String table(String format) {
    return format + ".`" + path(format) + "`";
  }

  private static Dataset<Row> load(String format) {
    return spark().read().format(format).option("maxPartitionBytes", "40000")
        .load(path(format).toString());
  }

  private static String elements(String format) {
    return format.equals("megatron") ? "tokens" : "value";
  }

  @SuppressWarnings("unchecked")
  private static List<Integer> lengths(String format) {
    return ((List<Number>) ((Map<String, Object>) numpy.get(format)).get("lengths")).stream()
        .map(Number::intValue).toList();
  }

  @SuppressWarnings("unchecked")
  private static List<Object> writtenElements(String format) {
    return (List<Object>) ((Map<String, Object>) numpy.get(format)).get("elements");
  }

  /** Runs the query and checks that its scans read the index alone: no array column, no byte of the data file. */
  private static List<Row> fromIndexAlone(Dataset<Row> query) {
    List<Row> rows = query.collectAsList();
    List<BatchScanExec> scans = QueryPlans.nodes(query).stream().filter(BatchScanExec.class::isInstance)
        .map(BatchScanExec.class::cast).toList();
    assertFalse(scans.isEmpty(), "a scan in " + query.queryExecution().executedPlan());
    for (BatchScanExec scan : scans) {
      StructType read = scan.scan().readSchema();
      for (StructField field : read.fields()) {
        assertFalse(field.dataType() instanceof ArrayType, "no elements read, but the scan reads "
            + read.simpleString() + " in " + query.queryExecution().executedPlan());
      }
      assertEquals(0L, scan.metrics().get("bytesRead").get().value(), "no element read");
      assertEquals(0L, scan.metrics().get("bytesMapped").get().value(), "no element mapped");
    }
    return rows;
  }

  @ParameterizedTest
  @ValueSource(strings = {"megatron", "ragged"})
  void sizeOfEachRecordComesFromTheIndex(String format) {
    String column = elements(format);
    List<Row> sql = fromIndexAlone(spark().sql("SELECT size(" + column + ") FROM " + table(format)
        + " ORDER BY _row_index"));
    assertEquals(lengths(format), sql.stream().map(r -> r.getInt(0)).toList());
    List<Row> api = fromIndexAlone(load(format).orderBy("_row_index").select(size(col(column)).as("n")));
    assertEquals(lengths(format), api.stream().map(r -> r.getInt(0)).toList());
    List<Row> aliases = fromIndexAlone(spark().sql("SELECT cardinality(" + column + "), array_size(" + column
        + ") FROM " + table(format) + " ORDER BY _row_index"));
    assertEquals(lengths(format), aliases.stream().map(r -> r.getInt(0)).toList());
    assertEquals(lengths(format), aliases.stream().map(r -> r.getInt(1)).toList());
    List<Row> bySize = fromIndexAlone(spark().sql("SELECT _row_index FROM " + table(format) + " ORDER BY size("
        + column + "), _row_index"));
    List<Integer> written = lengths(format);
    assertEquals(LongStream.range(0, written.size()).boxed()
        .sorted(Comparator.comparing((Long i) -> written.get(i.intValue())).thenComparing(i -> i)).toList(),
        bySize.stream().map(r -> r.getLong(0)).toList());
    List<Integer> fullRead = load(format).orderBy("_row_index").select(column).collectAsList().stream()
        .map(r -> r.getList(0).size()).toList();
    assertEquals(fullRead, lengths(format), "the arrays a full read returns have these sizes");
  }

  @ParameterizedTest
  @ValueSource(strings = {"megatron", "ragged"})
  void aggregatesFiltersAndGroupsOfSizesComeFromTheIndex(String format) {
    String column = elements(format);
    String aggregates = "SELECT sum(%1$s), max(%1$s), min(%1$s), avg(%1$s), count(*) FROM " + table(format);
    Row sizes = fromIndexAlone(spark().sql(String.format(aggregates, "size(" + column + ")"))).get(0);
    Row lengths = spark().sql(String.format(aggregates, "_length")).collectAsList().get(0);
    assertEquals(lengths, sizes);
    List<Integer> written = lengths(format);
    assertEquals(written.stream().mapToLong(Integer::longValue).sum(), sizes.getLong(0));
    assertEquals(written.stream().mapToInt(Integer::intValue).max().getAsInt(), sizes.getInt(1));

    Row filtered = fromIndexAlone(spark().sql("SELECT count(*), sum(size(" + column + ")) FROM " + table(format)
        + " WHERE size(" + column + ") > 20")).get(0);
    assertEquals(written.stream().filter(n -> n > 20).count(), filtered.getLong(0));
    assertEquals(written.stream().filter(n -> n > 20).mapToLong(Integer::longValue).sum(), filtered.getLong(1));

    List<Row> groups = fromIndexAlone(load(format).groupBy(size(col(column)).as("n")).count().orderBy("n"));
    assertEquals(load(format).groupBy(col("_length").as("n")).count().orderBy("n").collectAsList(), groups);
    assertEquals(written.stream().distinct().count(), groups.size());

    String catalogTable = "record_sizes_" + format;
    spark().sql("CREATE TABLE " + catalogTable + " USING " + format + " LOCATION '" + path(format) + "'");
    try {
      assertEquals(sizes, fromIndexAlone(spark().sql(String.format(aggregates.replace(table(format), catalogTable),
          "size(" + column + ")"))).get(0), "a table of the session catalog");
    } finally {
      spark().sql("DROP TABLE IF EXISTS " + catalogTable);
    }

    List<Row> rows = fromIndexAlone(load(format).where(size(col(column)).geq(30)).select("_row_index")
        .orderBy("_row_index"));
    List<Long> expected = new ArrayList<>();
    for (int i = 0; i < written.size(); i++) {
      if (written.get(i) >= 30) {
        expected.add((long) i);
      }
    }
    assertEquals(expected, rows.stream().map(r -> r.getLong(0)).toList());
  }

  @ParameterizedTest
  @ValueSource(strings = {"megatron", "ragged"})
  void sizesOfEachReadOfAJoinOrUnionComeFromItsIndex(String format) {
    String size = "size(" + elements(format) + ")";
    List<Row> differences = fromIndexAlone(spark().sql("SELECT a._row_index, size(a." + elements(format)
        + ") - size(b." + elements(format) + ") FROM " + table(format) + " a JOIN " + table(format)
        + " b ON a._row_index = b._row_index + 1 ORDER BY a._row_index"));
    List<Integer> written = lengths(format);
    List<Integer> expected = new ArrayList<>();
    for (int i = 1; i < written.size(); i++) {
      expected.add(written.get(i) - written.get(i - 1));
    }
    assertEquals(expected, differences.stream().map(r -> r.getInt(1)).toList());
    Row longer = fromIndexAlone(spark().sql("SELECT count(*) FROM " + table(format) + " a JOIN " + table(format)
        + " b ON a._row_index = b._row_index + 1 AND size(a." + elements(format) + ") > size(b." + elements(format)
        + ")")).get(0);
    assertEquals(expected.stream().filter(d -> d > 0).count(), longer.getLong(0));
    Row union = fromIndexAlone(spark().sql("SELECT sum(n) FROM (SELECT " + size + " AS n FROM " + table(format)
        + " UNION ALL SELECT " + size + " FROM " + table(format) + " WHERE " + size + " > 20)")).get(0);
    assertEquals(written.stream().mapToLong(Integer::longValue).sum()
        + written.stream().filter(n -> n > 20).mapToLong(Integer::longValue).sum(), union.getLong(0));
  }

  @ParameterizedTest
  @ValueSource(strings = {"megatron", "ragged"})
  void elementsUsedBesidesTheirSizeAreStillRead(String format) {
    String column = elements(format);
    Dataset<Row> both = spark().sql("SELECT _row_index, " + column + ", size(" + column + ") FROM " + table(format)
        + " WHERE size(" + column + ") > 30 ORDER BY _row_index");
    List<Row> rows = both.collectAsList();
    assertTrue(QueryPlans.metric(both, "bytesRead") + QueryPlans.metric(both, "bytesMapped") > 0, "elements read");
    List<Object> written = writtenElements(format);
    List<Integer> lengths = lengths(format);
    List<Object> expected = new ArrayList<>();
    for (int i = 0; i < lengths.size(); i++) {
      if (lengths.get(i) > 30) {
        expected.add(List.of(BigInteger.valueOf(i), written.get(i), BigInteger.valueOf(lengths.get(i))));
      }
    }
    List<Object> actual = new ArrayList<>();
    for (Row row : rows) {
      assertEquals(row.getList(1).size(), row.getInt(2), "size agrees with the array read");
      actual.add(SparkValues.canonical(List.of(row.getLong(0), row.get(1), row.getInt(2))));
    }
    assertEquals(expected, actual);

    Dataset<Row> all = load(format).where(size(col(column)).gt(30));
    assertEquals(List.of(load(format).schema().fieldNames()), List.of(all.schema().fieldNames()),
        "the columns of the table, no hidden one");
    assertEquals(expected.size(), all.collectAsList().size());
  }

  @ParameterizedTest
  @ValueSource(strings = {"megatron", "ragged"})
  void excludingTheRuleReadsTheElements(String format) {
    String query = "SELECT sum(size(" + elements(format) + ")) FROM " + table(format);
    long fromIndex = fromIndexAlone(spark().sql(query)).get(0).getLong(0);
    spark().conf().set("spark.sql.optimizer.excludedRules", "io.sparkmemmap.catalog.RecordSizesFromIndex");
    try {
      Dataset<Row> read = spark().sql(query);
      assertEquals(fromIndex, read.collectAsList().get(0).getLong(0));
      assertTrue(QueryPlans.metric(read, "bytesRead") + QueryPlans.metric(read, "bytesMapped") > 0, "elements read");
    } finally {
      spark().conf().unset("spark.sql.optimizer.excludedRules");
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"megatron", "ragged"})
  void sizeOfTheArrayAnOuterJoinLeavesOutKeepsSparksAnswer(String format) {
    String column = elements(format);
    int records = lengths(format).size();
    Dataset<Row> ids = spark().range(records - 5, records + 5).toDF("id");
    for (String legacy : List.of("false", "true")) {
      spark().conf().set("spark.sql.legacy.sizeOfNull", legacy);
      spark().conf().set("spark.sql.ansi.enabled", String.valueOf(legacy.equals("false")));
      try {
        Dataset<Row> joined = ids.join(load(format), col("id").equalTo(col("_row_index")), "left_outer")
            .select(col("id"), size(col(column))).orderBy("id");
        List<Row> rows = fromIndexAlone(joined);
        List<Object> expected = new ArrayList<>();
        for (int i = records - 5; i < records + 5; i++) {
          expected.add(i < records ? lengths(format).get(i) : legacy.equals("true") ? -1 : null);
        }
        assertEquals(expected, rows.stream().map(r -> r.get(1)).toList(), "spark.sql.legacy.sizeOfNull=" + legacy);
      } finally {
        spark().conf().unset("spark.sql.legacy.sizeOfNull");
        spark().conf().unset("spark.sql.ansi.enabled");
      }
    }
  }
}
