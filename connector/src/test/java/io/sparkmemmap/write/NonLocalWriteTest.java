package io.sparkmemmap.write;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkmemmap.Python;
import io.sparkmemmap.SparkTestSession;
import io.sparkmemmap.SparkValues;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.LongStream;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Writes to a file system other than the local one: staged locally, uploaded, published by rename. */
class NonLocalWriteTest {
  private static SparkSession spark;

  @TempDir
  Path dir;

  @BeforeAll
  static void session() {
    spark = SparkTestSession.get();
    NonLocalTestFileSystem.register(spark.sparkContext().hadoopConfiguration());
  }

  private static String uri(Path path) {
    return NonLocalTestFileSystem.SCHEME + "://" + path.toAbsolutePath();
  }

  private static Object range(long from, long to) {
    return SparkValues.canonical((Object) LongStream.range(from, to).boxed().toList());
  }

  @Test
  void everyModeThroughAnotherFileSystem() throws Exception {
    Dataset<Row> first = spark.range(0, 30, 1, 3).toDF("value");
    Dataset<Row> second = spark.range(30, 45, 1, 2).toDF("value");

    Path parts = dir.resolve("parts");
    first.write().format("npy").save(uri(parts));
    assertEquals(range(0, 30), NumpyChecks.directory(parts).get("values"));
    assertThrows(Exception.class, () -> second.write().format("npy").save(uri(parts)));
    second.write().format("npy").mode("append").save(uri(parts));
    assertEquals(range(0, 45), NumpyChecks.directory(parts).get("values"));
    second.write().format("npy").mode("overwrite").save(uri(parts));
    assertEquals(range(30, 45), NumpyChecks.directory(parts).get("values"));
    NumpyChecks.assertNoStaging(parts);

    Path file = dir.resolve("one.npy");
    first.write().format("npy").option("singleFile", "true").save(uri(file));
    assertEquals(range(0, 30), NumpyChecks.singleFile(file).get("values"));
    // no positional writes here: the append rewrites the file and renames it over the old one
    second.write().format("npy").mode("append").option("singleFile", "true").save(uri(file));
    assertEquals(range(0, 45), NumpyChecks.singleFile(file).get("values"));
    first.write().format("npy").mode("overwrite").option("singleFile", "true").save(uri(file));
    assertEquals(range(0, 30), NumpyChecks.singleFile(file).get("values"));
    NumpyChecks.assertNoStaging(file);

    Path raw = dir.resolve("raw.dat");
    first.write().format("memmap").option("singleFile", "true").save(uri(raw));
    second.write().format("memmap").mode("append").option("singleFile", "true").save(uri(raw));
    assertEquals(range(0, 45), NumpyChecks.run("emit(np.memmap(" + Python.literal(raw) + ", '<i8', 'r').tolist())"));

    try (var left = Files.list(Path.of(org.apache.spark.SparkFiles.getRootDirectory()))) {
      assertTrue(left.noneMatch(p -> p.getFileName().toString().startsWith(".spark-memmap-")),
          "local staging files left behind");
    }
  }
}
