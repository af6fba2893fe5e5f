package io.sparkmemmap.write;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkmemmap.SparkTestSession;
import io.sparkmemmap.SparkValues;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The default output of a write: a directory of part files named as the SPEC says, each a valid {@code .npy}, plus
 * {@code _SUCCESS}, which NumPy and Spark both read back; and a single file.
 */
class WriteSmokeTest {
  @TempDir
  Path dir;

  @Test
  void writesDirectoryAndSingleFile() throws IOException {
    SparkSession spark = SparkTestSession.get();
    Dataset<Row> df = spark.range(0, 10, 1, 3).toDF("value");
    Path parts = dir.resolve("parts");
    df.write().format("npy").save(parts.toString());
    Map<String, Object> d = NumpyChecks.directory(parts);
    assertEquals("<i8", d.get("descr"));
    assertEquals(SparkValues.canonical(List.of(0L, 1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L)), d.get("values"));
    NumpyChecks.assertNoStaging(parts);
    assertPartFiles(parts, 3, ".npy");
    assertEquals(d.get("values"), SparkValues.canonical(spark.read().format("npy").load(parts.toString())
        .collectAsList().stream().map(r -> r.get(0)).toList()), "Spark reads the parts back in order");
    Path raw = dir.resolve("raw");
    df.write().format("memmap").save(raw.toString());
    assertPartFiles(raw, 3, ".dat");

    Path odd = dir.resolve("with space é");
    df.write().format("npy").save(odd.resolve("parts").toString());
    assertEquals(d.get("values"), NumpyChecks.directory(odd.resolve("parts")).get("values"));
    df.write().format("npy").option("singleFile", "true").save(odd.resolve("one.npy").toString());
    assertEquals(d.get("values"), NumpyChecks.singleFile(odd.resolve("one.npy")).get("values"));

    Path single = dir.resolve("one.npy");
    df.write().format("npy").option("singleFile", "true").save(single.toString());
    Map<String, Object> s = NumpyChecks.singleFile(single);
    assertEquals(d.get("values"), s.get("values"));
    assertEquals(d.get("values"), SparkValues.canonical(spark.read().format("npy").load(single.toString())
        .collectAsList().stream().map(r -> r.get(0)).toList()));
  }

  /**
   * The files of a written directory: {@code part-00000-<id><suffix>} and on, numbered from 0 with one id for the
   * whole write, and {@code _SUCCESS}; nothing else.
   */
  private static void assertPartFiles(Path directory, int parts, String suffix) throws IOException {
    List<String> names;
    try (Stream<Path> files = Files.list(directory)) {
      names = files.map(p -> p.getFileName().toString()).sorted().toList();
    }
    assertEquals(parts + 1, names.size(), names.toString());
    assertEquals("_SUCCESS", names.get(0), names.toString());
    Pattern partName = Pattern.compile("part-(\\d{5})-([0-9a-f-]{36})" + Pattern.quote(suffix));
    Set<String> ids = new HashSet<>();
    for (int i = 0; i < parts; i++) {
      Matcher m = partName.matcher(names.get(i + 1));
      assertTrue(m.matches(), names.get(i + 1));
      assertEquals(String.format("%05d", i), m.group(1));
      ids.add(m.group(2));
    }
    assertEquals(1, ids.size(), "one write, one id: " + names);
  }
}
