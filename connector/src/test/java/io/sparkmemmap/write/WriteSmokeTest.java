package io.sparkmemmap.write;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.sparkmemmap.SparkTestSession;
import io.sparkmemmap.SparkValues;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WriteSmokeTest {
  @TempDir
  Path dir;

  @Test
  void writesDirectoryAndSingleFile() {
    SparkSession spark = SparkTestSession.get();
    Dataset<Row> df = spark.range(0, 10, 1, 3).toDF("value");
    Path parts = dir.resolve("parts");
    df.write().format("npy").save(parts.toString());
    Map<String, Object> d = NumpyChecks.directory(parts);
    assertEquals("<i8", d.get("descr"));
    assertEquals(SparkValues.canonical(List.of(0L, 1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L)), d.get("values"));
    NumpyChecks.assertNoStaging(parts);

    Path odd = dir.resolve("with space é");
    df.write().format("npy").save(odd.resolve("parts").toString());
    assertEquals(d.get("values"), NumpyChecks.directory(odd.resolve("parts")).get("values"));
    df.write().format("npy").option("singleFile", "true").save(odd.resolve("one.npy").toString());
    assertEquals(d.get("values"), NumpyChecks.singleFile(odd.resolve("one.npy")).get("values"));

    Path single = dir.resolve("one.npy");
    df.write().format("npy").option("singleFile", "true").save(single.toString());
    Map<String, Object> s = NumpyChecks.singleFile(single);
    assertEquals(d.get("values"), s.get("values"));
  }
}
