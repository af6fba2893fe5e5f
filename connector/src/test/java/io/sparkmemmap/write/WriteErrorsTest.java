package io.sparkmemmap.write;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkmemmap.SparkTestSession;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;
import org.apache.spark.sql.DataFrameWriter;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.api.java.UDF1;
import org.apache.spark.sql.types.DataTypes;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bad input gets an error that names the column and says what is wrong, and leaves nothing at the target: no
 * partial file, no staging directory. Failed tasks and retries neither lose nor duplicate rows.
 */
class WriteErrorsTest {
  private static SparkSession spark;

  @TempDir
  Path dir;

  @BeforeAll
  static void session() {
    spark = SparkTestSession.get();
    // fails the first attempt of the task of partition 1, so that Spark retries it
    spark.udf().register("failFirstAttempt", (UDF1<Long, Long>) id -> {
      org.apache.spark.TaskContext task = org.apache.spark.TaskContext.get();
      if (task.partitionId() == 1 && task.attemptNumber() == 0 && id % 100 == 50) {
        throw new IllegalStateException("first attempt fails midway");
      }
      return id;
    }, DataTypes.LongType);
    spark.udf().register("failAlways", (UDF1<Long, Long>) id -> {
      if (id == 150) {
        throw new IllegalStateException("this task always fails at row 150");
      }
      return id;
    }, DataTypes.LongType);
  }

  /**
   * Writes with {@code options}, expects an error naming the target as given and mentioning every one of
   * {@code phrases}, and no output.
   */
  private void assertRefused(Dataset<Row> df, Consumer<DataFrameWriter<Row>> options, String... phrases) {
    for (boolean single : List.of(false, true)) {
      Path target = dir.resolve("out-" + single + "-" + System.nanoTime());
      String messages = failedWrite(df, options, single, target);
      assertTrue(messages.contains(target + ": "), "the target is not named:\n" + messages);
      for (String phrase : phrases) {
        assertTrue(messages.contains(phrase), "'" + phrase + "' not in:\n" + messages);
      }
    }
  }

  /** The messages of the failure of a write to {@code target}, which must leave nothing there. */
  private String failedWrite(Dataset<Row> df, Consumer<DataFrameWriter<Row>> options, boolean single, Path target) {
    DataFrameWriter<Row> writer = df.write().format("npy").option("singleFile", Boolean.toString(single));
    options.accept(writer);
    Exception e = assertThrows(Exception.class, () -> writer.save(target.toString()));
    NumpyChecks.assertNothingAt(target);
    return NumpyChecks.messages(e);
  }

  @Test
  void nullWithoutNullValueNamesTheColumn() {
    Dataset<Row> df = spark.range(0, 100, 1, 2)
        .selectExpr("id", "case when id = 77 then null else cast(id as double) end as score");
    assertRefused(df, w -> {}, "column 'score'", "null", "nullValue");
  }

  @Test
  void stringLongerThanStringLengthNamesTheColumn() {
    Dataset<Row> df = spark.range(0, 100, 1, 2)
        .selectExpr("case when id = 42 then 'much too long' else 'ok' end as label");
    assertRefused(df, w -> w.option("stringLength", "4"), "column 'label'", "13 characters", "stringLength");
    assertRefused(df, w -> {}, "column 'label'", "stringLength");
  }

  @Test
  void raggedArraysNameTheColumn() {
    Dataset<Row> within = spark.range(0, 100, 1, 2)
        .selectExpr("case when id = 60 then array(1.0f) else array(1.0f, 2.0f) end as emb");
    assertRefused(within, w -> {}, "column 'emb'", "different lengths");
    // each partition is even on its own; they disagree with each other
    Dataset<Row> across = spark.range(0, 100, 1, 2)
        .selectExpr("case when id < 50 then array(1, 2) else array(1, 2, 3) end as emb");
    assertRefused(across, w -> {}, "column 'emb'", "different lengths", "2", "3");
    Dataset<Row> nested = spark.range(0, 10, 1, 1)
        .selectExpr("id", "named_struct('m', array(array(1, 2), case when id = 5 then array(1) else array(3, 4) end))"
            + " as s");
    assertRefused(nested, w -> {}, "column 's.m'", "different lengths");
  }

  @Test
  void unsupportedTypesNameTheColumn() {
    Dataset<Row> decimals = spark.range(0, 10).selectExpr("id", "cast(id as decimal(10, 2)) as price");
    assertRefused(decimals, w -> {}, "column 'price'", "decimal(10,2)", "dtype");
    Dataset<Row> maps = spark.range(0, 10).selectExpr("id", "map('k', id) as attrs");
    assertRefused(maps, w -> {}, "column 'attrs'", "map");
    Dataset<Row> nulls = spark.range(0, 10).selectExpr("id", "null as nothing");
    assertRefused(nulls, w -> {}, "column 'nothing'", "only nulls");
    Dataset<Row> cast = spark.range(0, 10).selectExpr("current_date() as d");
    assertRefused(cast, w -> w.option("dtype", "<f4"), "column 'd'", "date", "<f4");
  }

  @Test
  void decimalWritesWhenTheDtypeSaysHow() throws Exception {
    Dataset<Row> decimals = spark.range(0, 10, 1, 2).selectExpr("cast(id / 4 as decimal(10, 2)) as price");
    Path out = dir.resolve("prices.npy");
    decimals.write().format("npy").option("singleFile", "true").option("dtype", "<f8").save(out.toString());
    assertEquals(io.sparkmemmap.SparkValues.parseJson("[0.0, 0.25, 0.5, 0.75, 1.0, 1.25, 1.5, 1.75, 2.0, 2.25]"),
        NumpyChecks.singleFile(out).get("values"));
  }

  @Test
  void valuesOutOfRangeOfTheDtypeNameTheColumn() {
    Dataset<Row> df = spark.range(0, 300, 1, 2).selectExpr("id as small");
    assertRefused(df, w -> w.option("dtype", "|i1"), "column 'small'", "cannot hold", "|i1");
    Dataset<Row> nan = spark.range(0, 10).selectExpr("case when id = 3 then double('NaN') else 1.0 end as x");
    assertRefused(nan, w -> w.option("dtype", "<i4"), "column 'x'", "NaN");
  }

  @Test
  void nullArrayWithoutNullValueNamesTheColumn() {
    Dataset<Row> df = spark.range(0, 10, 1, 1)
        .selectExpr("case when id = 0 then null else array(1, 2) end as v");
    assertRefused(df, w -> {}, "column 'v'", "null array", "nullValue");
  }

  @Test
  void badOptionsAreRefusedBeforeAnyTaskRuns() {
    Dataset<Row> df = spark.range(0, 10).toDF("value");
    assertRefused(df, w -> w.option("dtype", "<q9"), "option 'dtype' is refused: data type '<q9' not understood");
    assertRefused(df, w -> w.option("layout", "flat"), "option 'layout' flat describes reading only");
    assertRefused(df, w -> w.option("layout", "tall"), "option 'layout' must be auto, columns or flat, got 'tall'");
    assertRefused(df, w -> w.option("order", "F"), "option 'order' F: writes produce C-ordered");
    assertRefused(df, w -> w.option("order", "Q"), "option 'order' must be C or F, got 'Q'");
    assertRefused(df, w -> w.option("stringLength", "-3"), "option 'stringLength' must be a positive integer, got "
        + "'-3'");
    assertRefused(df.selectExpr("value", "array(value) as v"), w -> w.option("layout", "columns"), "column 'v'",
        "layout=columns");
    assertRefused(df, w -> w.option("dtype", "[('a', '<i8'), ('b', '<f4')]"), "'b'");
  }

  @Test
  void aBadSingleFileOptionIsRefusedWithThePath() {
    Path target = dir.resolve("out-single-maybe");
    String messages = failedWrite(spark.range(0, 10).toDF("value"), w -> w.option("singleFile", "maybe"), false,
        target);
    assertTrue(messages.contains(target + ": option 'singleFile' must be true or false, got 'maybe'"), messages);
  }

  @Test
  void aTaskThatFailsMidwayLeavesNothing() {
    Dataset<Row> df = spark.range(0, 400, 1, 4).selectExpr("failAlways(id) as value");
    for (boolean single : List.of(false, true)) {
      // the failure is the query's own, not the connector's: it need not name the target
      String messages = failedWrite(df, w -> {}, single, dir.resolve("out-failing-" + single));
      assertTrue(messages.contains("this task always fails at row 150"), messages);
    }
  }

  @Test
  void aRetriedTaskNeitherDuplicatesNorLosesRows() {
    Dataset<Row> df = spark.range(0, 400, 1, 4).selectExpr("failFirstAttempt(id) as value");
    Path parts = dir.resolve("retried");
    df.write().format("npy").save(parts.toString());
    Object expected = io.sparkmemmap.SparkValues.canonical(
        (Object) java.util.stream.LongStream.range(0, 400).boxed().toList());
    assertEquals(expected, NumpyChecks.directory(parts).get("values"));
    NumpyChecks.assertNoStaging(parts);
    Path single = dir.resolve("retried.npy");
    df.write().format("npy").option("singleFile", "true").save(single.toString());
    assertEquals(expected, NumpyChecks.singleFile(single).get("values"));
    NumpyChecks.assertNoStaging(single);
  }
}
