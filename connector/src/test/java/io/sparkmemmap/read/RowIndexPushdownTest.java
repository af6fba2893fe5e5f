package io.sparkmemmap.read;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkmemmap.Python;
import io.sparkmemmap.SparkTestSession;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongPredicate;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Predicates on {@code _row_index} shrink the rows planned: rows outside are never mapped. */
class RowIndexPushdownTest {
  private static final int ROWS = 1000;

  @TempDir
  static Path dir;

  @BeforeAll
  static void writeFiles() throws Exception {
    Files.createDirectories(dir.resolve("parts"));
    Python.run("d = " + Python.literal(dir) + " + '/'\n"
        + "a = np.arange(" + ROWS + ", dtype='<i8') * 2\n"
        + "np.save(d + 'a.npy', a)\n"
        + "np.save(d + 'parts/p0.npy', a[:10]); np.save(d + 'parts/p1.npy', a[10:30])\n"
        + "np.savez_compressed(d + 'z.npz', a=a)\n");
  }

  @Test
  void comparisonsInAndBooleanCombinations() {
    check("_row_index between 100 and 199", i -> i >= 100 && i <= 199);
    check("_row_index = 7", i -> i == 7);
    check("_row_index in (5, 7, 999, 5000, -1)", i -> i == 5 || i == 7 || i == 999);
    check("_row_index < 3 or _row_index >= 997", i -> i < 3 || i >= 997);
    check("not (_row_index >= 10)", i -> i < 10);
    check("_row_index > 2 and _row_index <= 5", i -> i > 2 && i <= 5);
    assertEquals(0, read("a.npy").where("_row_index = 3.5").count());
    check("_row_index > 1000000", i -> false);
    check("10 > _row_index", i -> i < 10);
  }

  @Test
  void rowsOutsideAreNeverMapped() {
    Dataset<Row> df = read("a.npy").where("_row_index >= 100 and _row_index < 200").select("value");
    assertEquals(100, df.collectAsList().size());
    assertEquals(800, PartitionedReadTest.metric(df, "bytesMapped"));
    assertEquals(100, df.queryExecution().optimizedPlan().stats().rowCount().get().longValue());
    String plan = df.queryExecution().executedPlan().toString();
    assertTrue(plan.contains("rows=[100, 200)"), plan);
    assertTrue(!plan.contains("Filter ("), "the predicate is taken exactly: " + plan);
  }

  @Test
  void otherPredicatesStayWithSpark() {
    List<Row> rows = read("a.npy").where("_row_index < 10 and value > 4").select("value").collectAsList();
    assertEquals(List.of(6L, 8L, 10L, 12L, 14L, 16L, 18L), rows.stream().map(r -> r.getLong(0)).toList());
  }

  @Test
  void theIndexIsPerFile() {
    List<Row> rows = read("parts").where("_row_index = 0").select("value").collectAsList();
    assertEquals(List.of(0L, 20L), rows.stream().map(r -> r.getLong(0)).toList());
  }

  @Test
  void compressedEntriesSkipToTheSelectedRows() {
    List<Row> rows = SparkTestSession.get().read().format("npy").load(dir.resolve("z.npz").toString())
        .where("_row_index between 500 and 502").select("value").collectAsList();
    assertEquals(List.of(1000L, 1002L, 1004L), rows.stream().map(r -> r.getLong(0)).toList());
  }

  private static void check(String condition, LongPredicate expected) {
    List<Long> want = new ArrayList<>();
    for (long i = 0; i < ROWS; i++) {
      if (expected.test(i)) {
        want.add(2 * i);
      }
    }
    Dataset<Row> df = read("a.npy").where(condition).select("value");
    assertEquals(want, df.collectAsList().stream().map(r -> r.getLong(0)).toList(), condition);
    assertTrue(df.queryExecution().executedPlan().toString().contains("rows="), condition + " was pushed");
  }

  private static Dataset<Row> read(String name) {
    return SparkTestSession.get().read().format("npy").load(dir.resolve(name).toString());
  }
}
