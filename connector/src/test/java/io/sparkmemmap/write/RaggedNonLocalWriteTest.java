package io.sparkmemmap.write;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.sparkmemmap.Python;
import io.sparkmemmap.SparkTestSession;
import io.sparkmemmap.SparkValues;
import java.nio.file.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A ragged write to a file system other than the local one: parts staged locally and uploaded, index parts shifted
 * into new files beside them (no positional writes there), the pair assembled by streamed copies, an append
 * rewriting both files; NumPy reads the result, and so does the ragged source through the same file system.
 */
class RaggedNonLocalWriteTest {
  private static SparkSession spark;

  @TempDir
  Path dir;

  @BeforeAll
  static void session() {
    spark = SparkTestSession.get();
    NonLocalTestFileSystem.register(spark.sparkContext().hadoopConfiguration());
  }

  private static Dataset<Row> rows(long from, long to, int partitions) {
    return spark.range(from, to, 1, partitions).selectExpr("array_repeat(cast(id AS short), cast(id % 4 AS int)) AS v");
  }

  /** The rows NumPy reads of the pair, {@code data[start:start + length]}. */
  private static Object numpyRows(Path target) {
    return SparkValues.parseJson(Python.run(String.join("\n",
        "d = " + Python.literal(target),
        "data, index = np.load(d + '/data.npy'), np.load(d + '/index.npy')",
        "emit([canon(data[s:s + l]) for s, l in index])")));
  }

  private static Object expected(long... ranges) {
    java.util.List<Object> rows = new java.util.ArrayList<>();
    for (int r = 0; r < ranges.length; r += 2) {
      for (long id = ranges[r]; id < ranges[r + 1]; id++) {
        rows.add(java.util.Collections.nCopies((int) (id % 4), id));
      }
    }
    return SparkValues.canonical(rows);
  }

  @Test
  void everyModeThroughAnotherFileSystem() {
    Path target = dir.resolve("ragged");
    String uri = NonLocalTestFileSystem.SCHEME + "://" + target.toAbsolutePath();
    rows(0, 50, 3).write().format("ragged").save(uri);
    assertEquals(expected(0, 50), numpyRows(target));
    rows(50, 70, 2).write().format("ragged").mode("append").save(uri);
    assertEquals(expected(0, 70), numpyRows(target));
    assertEquals(expected(0, 70), SparkValues.canonical(spark.read().format("ragged").load(uri)
        .orderBy("_row_index").collectAsList()).stream().map(r -> ((java.util.Map<?, ?>) r).get("value")).toList());
    rows(100, 110, 2).write().format("ragged").mode("overwrite").save(uri);
    assertEquals(expected(100, 110), numpyRows(target));
    NumpyChecks.assertNoStaging(target);
  }
}
