package io.sparkmemmap.write;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkmemmap.Python;
import io.sparkmemmap.SparkTestSession;
import io.sparkmemmap.SparkValues;
import io.sparkmemmap.WritePlans;
import java.io.IOException;
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

  /** Sequences of 1 to 4 tokens, documents of 3 sequences that cross partitions, modes. */
  private static Dataset<Row> corpus(long from, long to, int partitions) {
    return spark.range(from, to, 1, partitions).selectExpr(
        "transform(sequence(0, cast(id % 4 AS int)), x -> cast(id * 7 + x AS int)) AS tokens",
        "id div 3 AS document", "cast(id % 2 AS byte) AS mode");
  }

  /**
   * A Megatron write through the records writer both formats share: parts staged locally and uploaded, the pair
   * assembled by streamed copies, an append rewriting the {@code .bin}. Each step's pair is byte for byte the one
   * the same write makes on the local file system (checked against NumPy by {@code MegatronWriteTest}).
   */
  @Test
  void megatronThroughAnotherFileSystem() throws IOException {
    Path remote = dir.resolve("remote");
    Path local = dir.resolve("local");
    String uri = uri(remote);
    corpus(0, 50, 3).write().format("megatron").option("dtype", "uint16").save(uri);
    corpus(0, 50, 3).write().format("megatron").option("dtype", "uint16").save(local.toString());
    assertSamePair(remote, local);
    corpus(50, 70, 2).write().format("megatron").mode("append").save(uri);
    corpus(50, 70, 2).write().format("megatron").mode("append").save(local.toString());
    assertSamePair(remote, local);
    assertEquals(70, spark.read().format("megatron").load(uri).count());
    corpus(100, 110, 2).write().format("megatron").mode("overwrite").option("dtype", "int32").save(uri);
    corpus(100, 110, 2).write().format("megatron").mode("overwrite").option("dtype", "int32")
        .save(local.toString());
    assertSamePair(remote, local);
    try (var left = Files.list(dir)) {
      assertEquals(java.util.List.of(), left.filter(p -> p.getFileName().toString().startsWith("."))
          .toList(), "no staging left");
    }
  }

  /**
   * The shard merge to another file system: the tasks copy their pieces of the {@code .bin} into staged parts there,
   * which the job commit joins; a new pair, then an append, each the pair the merge makes on the local file system.
   */
  @Test
  void megatronMergeThroughAnotherFileSystem() throws IOException {
    Path shards = dir.resolve("shards");
    corpus(0, 40, 2).write().format("megatron").option("dtype", "uint16").save(shards.resolve("a").toString());
    corpus(40, 100, 3).write().format("megatron").option("dtype", "uint16").save(shards.resolve("b").toString());
    Dataset<Row> merged = spark.read().format("megatron").load(shards.resolve("*").toString());
    Path remote = dir.resolve("remote");
    Path local = dir.resolve("local");
    assertTrue(WritePlans.of(() -> merged.write().format("megatron").save(uri(remote))).bytesCopied() > 0);
    merged.write().format("megatron").save(local.toString());
    assertSamePair(remote, local);
    assertTrue(WritePlans.of(() -> merged.write().format("megatron").mode("append").save(uri(remote)))
        .bytesCopied() > 0);
    merged.write().format("megatron").mode("append").save(local.toString());
    assertSamePair(remote, local);
    assertEquals(200, spark.read().format("megatron").load(uri(remote)).count());
    try (var left = Files.list(dir)) {
      assertEquals(java.util.List.of(), left.filter(p -> p.getFileName().toString().startsWith("."))
          .toList(), "no staging left");
    }
  }

  private static void assertSamePair(Path remote, Path local) throws IOException {
    for (String suffix : new String[] {".bin", ".idx"}) {
      Path written = remote.resolveSibling(remote.getFileName() + suffix);
      Path expected = local.resolveSibling(local.getFileName() + suffix);
      assertEquals(Files.size(expected), Files.size(written), suffix);
      assertEquals(-1, Files.mismatch(written, expected), suffix);
    }
  }
}
