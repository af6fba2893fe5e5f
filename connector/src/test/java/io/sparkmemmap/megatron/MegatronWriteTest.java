package io.sparkmemmap.megatron;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkmemmap.MegatronPython;
import io.sparkmemmap.Python;
import io.sparkmemmap.SparkTestSession;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Writes of one Megatron pair from many tasks, each checked by the NumPy-only validator (stricter than Megatron's
 * reader): sequences in the DataFrame's order, documents grouped by the {@code document} column across task
 * boundaries, multimodal modes, every save mode (append offsets the documents as Megatron's {@code add_index}),
 * the dtype rule, SQL, and bad input refused with nothing written. A million sequences written from 8 partitions
 * are byte for byte the pair the Python reimplementation of Megatron's {@code _IndexWriter} writes.
 */
class MegatronWriteTest {
  @TempDir
  Path dir;

  private static SparkSession spark() {
    return SparkTestSession.get();
  }

  /** Sequence i: the ints [i, i + i % 5), document i / 3, in {@code partitions} partitions. */
  private static Dataset<Row> corpus(long n, int partitions) {
    return spark().range(0, n, 1, partitions)
        .selectExpr("transform(array_repeat(0, cast(id % 5 as int)), (x, i) -> cast(id + i as int)) as tokens",
            "id div 3 as document");
  }

  private String validate(String prefix) {
    return MegatronPython.run(dir, String.join("\n",
        "p = " + Python.literal(dir.resolve(prefix)),
        "dtype, lengths, pointers, docs, modes, tokens = validate(p)",
        "print(dtype.name, len(lengths), len(docs) - 1, int(tokens.sum()), documents(p)[:8])")).strip();
  }

  @Test
  void onePairFromManyTasksInTheDataFramesOrder() {
    corpus(1000, 4).write().format("megatron").option("dtype", "uint16").save(dir.resolve("c").toString());
    // documents of 3 sequences each, the ones that straddle task boundaries joined: 334 documents
    assertEquals("uint16 1000 334 " + expectedTokenSum(1000) + " [0, 0, 0, 1, 1, 1, 2, 2]", validate("c"));
    try (Stream<Path> files = Files.list(dir)) {
      assertEquals(List.of("c.bin", "c.idx"), files.map(p -> p.getFileName().toString()).sorted().toList(),
          "exactly the pair, no staging left");
      assertEquals(Files.getPosixFilePermissions(dir.resolve("c.bin")),
          Files.getPosixFilePermissions(dir.resolve("c.idx")), "the index is as readable as the data");
    } catch (IOException e) {
      throw new AssertionError(e);
    }
    Dataset<Row> back = spark().read().format("megatron").load(dir.resolve("c").toString());
    assertEquals(corpus(1000, 1).collectAsList(), back.orderBy("_row_index").select("tokens", "document")
        .collectAsList());
  }

  private static long expectedTokenSum(long n) {
    long sum = 0;
    for (long i = 0; i < n; i++) {
      for (long x = 0; x < i % 5; x++) {
        sum += i + x;
      }
    }
    return sum;
  }

  @Test
  void withoutDocumentsEachSequenceIsOneAndTheDtypeIsInferred() {
    corpus(100, 3).select("tokens").write().format("megatron").save(dir.resolve("d").toString());
    assertEquals("int32 100 100 " + expectedTokenSum(100) + " [0, 1, 2, 3, 4, 5, 6, 7]", validate("d"));
    Dataset<Row> read = spark().read().format("megatron").load(dir.resolve("d").toString());
    read.write().format("megatron").save(dir.resolve("e").toString());
    assertEquals("int32 100 100 " + expectedTokenSum(100) + " [0, 1, 2, 3, 4, 5, 6, 7]", validate("e"),
        "a pair read back is written with its own dtype and documents");
  }

  @Test
  void multimodalModesRoundTrip() {
    Dataset<Row> mm = corpus(50, 2).selectExpr("tokens", "document", "cast(document % 3 - 1 as byte) as mode");
    mm.write().format("megatron").option("dtype", "int16").save(dir.resolve("mm").toString());
    String modes = MegatronPython.run(dir, "print(validate(" + Python.literal(dir.resolve("mm")) + ", True)[4][:7]"
        + ".tolist())").strip();
    assertEquals("[-1, -1, -1, 0, 0, 0, 1]", modes);
    Dataset<Row> back = spark().read().format("megatron").load(dir.resolve("mm").toString());
    assertEquals(mm.collectAsList(), back.orderBy("_row_index").select("tokens", "document", "mode")
        .collectAsList());
  }

  @Test
  void everySaveMode() {
    String prefix = dir.resolve("m").toString();
    corpus(10, 2).write().format("megatron").option("dtype", "uint16").save(prefix);
    Exception exists = assertThrows(Exception.class,
        () -> corpus(5, 1).write().format("megatron").option("dtype", "uint16").save(prefix));
    assertTrue(String.valueOf(exists.getMessage()).contains("already exists"), exists.getMessage());
    corpus(5, 1).write().format("megatron").mode(SaveMode.Ignore).save(prefix);
    assertTrue(validate("m").startsWith("uint16 10 4 "), "ignore left it");
    corpus(7, 2).write().format("megatron").mode(SaveMode.Append).save(prefix);
    // add_index: 4 documents, then the 3 of the appended pair offset by 10 sequences
    String appended = MegatronPython.run(dir, "print(validate(" + Python.literal(dir.resolve("m"))
        + ")[3].tolist())").strip();
    assertEquals("[0, 3, 6, 9, 10, 13, 16, 17]", appended);
    assertEquals(17, spark().read().format("megatron").load(prefix).count());
    corpus(4, 2).write().format("megatron").mode(SaveMode.Overwrite).option("dtype", "int64").save(prefix);
    assertTrue(validate("m").startsWith("int64 4 2 "), validate("m"));
    Exception mismatch = assertThrows(Exception.class, () -> corpus(3, 1).write().format("megatron")
        .mode(SaveMode.Append).option("dtype", "uint16").save(prefix));
    assertTrue(mismatch.getMessage().contains("cannot append uint16 tokens to"), mismatch.getMessage());
  }

  @Test
  void appendAfterAnInterruptedAppendDropsItsTail() throws IOException {
    String prefix = dir.resolve("t").toString();
    corpus(10, 2).write().format("megatron").option("dtype", "uint16").save(prefix);
    Files.write(dir.resolve("t.bin"), new byte[] {1, 2, 3}, java.nio.file.StandardOpenOption.APPEND);
    assertEquals(10, spark().read().format("megatron").load(prefix).count(), "the tail is not read");
    corpus(6, 2).write().format("megatron").mode(SaveMode.Append).save(prefix);
    assertTrue(validate("t").startsWith("uint16 16 6 "), validate("t"));
  }

  @Test
  void badInputIsRefusedAndNothingIsWritten() {
    String prefix = dir.resolve("bad").toString();
    Exception range = assertThrows(Exception.class, () -> spark().range(0, 10, 1, 2)
        .selectExpr("array(cast(id * 10000 as int)) as tokens").write().format("megatron")
        .option("dtype", "uint16").save(prefix));
    assertTrue(rootMessage(range).contains("outside the range [0, 65535] of dtype uint16"), rootMessage(range));
    Exception dtype = assertThrows(Exception.class, () -> corpus(3, 1).write().format("megatron")
        .option("dtype", "complex64").save(prefix));
    assertTrue(dtype.getMessage().contains("not a Megatron token type"), dtype.getMessage());
    Exception columns = assertThrows(Exception.class, () -> spark().range(3).write().format("megatron")
        .save(prefix));
    assertTrue(columns.getMessage().contains("array column of tokens"), columns.getMessage());
    assertFalse(Files.exists(dir.resolve("bad.bin")) || Files.exists(dir.resolve("bad.idx")));
    try (Stream<Path> files = Files.list(dir)) {
      assertEquals(List.of(), files.toList(), "no staging left");
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }

  private static String rootMessage(Throwable e) {
    StringBuilder all = new StringBuilder();
    for (Throwable t = e; t != null; t = t.getCause()) {
      all.append(t.getMessage()).append('\n');
    }
    return all.toString();
  }

  @Test
  void sqlOnPrefixes() {
    String prefix = dir.resolve("sql").toString();
    corpus(20, 2).write().format("megatron").option("dtype", "uint16").save(prefix);
    assertEquals(20L, spark().sql("SELECT count(*) FROM megatron.`" + prefix + "`").first().getLong(0));
    spark().sql("INSERT INTO megatron.`" + prefix + "` SELECT array(1, 2, 3) AS tokens, 0L AS document");
    assertTrue(validate("sql").startsWith("uint16 21 8 "), validate("sql"));
    spark().sql("CREATE TABLE megatron_corpus USING megatron LOCATION '" + prefix + "'");
    try {
      assertEquals(21L, spark().sql("SELECT count(*) FROM megatron_corpus").first().getLong(0));
      assertEquals(6L, spark().sql("SELECT sum(size(tokens)) FROM megatron_corpus WHERE _row_index = 20")
          .first().getLong(0) * 2);
    } finally {
      spark().sql("DROP TABLE IF EXISTS megatron_corpus");
    }
  }

  /** A million sequences from 8 partitions: the bytes of a single-process writer's pair. */
  @Test
  void millionSequencesFromEightPartitionsEqualOneWriter() throws IOException {
    spark().range(0, 1_000_000, 1, 8)
        .selectExpr("transform(sequence(0, cast(id % 4 as int)), x -> cast((id * 7 + x) % 65536 as int)) as tokens",
            "id div 10 as document")
        .write().format("megatron").option("dtype", "uint16").save(dir.resolve("big").toString());
    MegatronPython.run(dir, String.join("\n",
        "n = 1000000",
        "ids = np.arange(n, dtype=np.int64)",
        "lengths = (ids % 4 + 1).astype(np.int32)",
        "starts = np.repeat(ids * 7, lengths)",
        "offsets = np.arange(lengths.sum()) - np.repeat(np.cumsum(lengths) - lengths, lengths)",
        "tokens = ((starts + offsets) % 65536).astype(np.uint16)",
        "tokens.tofile('single.bin')",
        "write_index('single.idx', np.uint16, lengths, np.arange(0, n + 1, 10))",
        "validate('big')",
        "print('ok')"));
    assertEquals(-1, Files.mismatch(dir.resolve("big.bin"), dir.resolve("single.bin")));
    assertEquals(-1, Files.mismatch(dir.resolve("big.idx"), dir.resolve("single.idx")));
  }
}
