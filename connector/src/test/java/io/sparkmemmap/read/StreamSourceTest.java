package io.sparkmemmap.read;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkmemmap.NpyProducer;
import io.sparkmemmap.SparkTestSession;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.spark.api.java.function.VoidFunction2;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.streaming.DataStreamReader;
import org.apache.spark.sql.streaming.StreamingQuery;
import org.apache.spark.sql.streaming.StreamingQueryException;
import org.apache.spark.sql.streaming.StreamingQueryProgress;
import org.apache.spark.sql.streaming.Trigger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code spark.readStream.format("npy"|"memmap")}: a NumPy process grows {@code .npy} files in place (data, then
 * the header's shape) and adds files while streaming queries read them, with {@code Trigger.AvailableNow} and a
 * processing-time trigger. Every row arrives exactly once, in order per file, within the read limits, across
 * restarts from the checkpoint. Row {@code r} of array {@code k} starts with {@code k * 10^9 + r * cols}
 * ({@code npy_producer.py}), so each row collected says where it came from.
 */
class StreamSourceTest {
  private static final long ARRAY = 1_000_000_000L;

  @TempDir
  Path dir;

  /**
   * The first value of each row ({@code value[0]}: 2-D arrays read as one array column) of each batch a query
   * handed to {@code foreachBatch}, in order.
   */
  private static final class Batches {
    final List<List<Long>> batches = Collections.synchronizedList(new ArrayList<>());

    VoidFunction2<Dataset<Row>, Long> collector(VoidFunction2<Dataset<Row>, Long> during) {
      return (batch, id) -> {
        List<Long> firsts = new ArrayList<>();
        for (Row row : batch.selectExpr("value[0]").collectAsList()) {
          firsts.add(row.getLong(0));
        }
        batches.add(firsts);
        if (during != null) {
          during.call(batch, id);
        }
      };
    }

    List<Long> all() {
      List<Long> all = new ArrayList<>();
      synchronized (batches) {
        batches.forEach(all::addAll);
      }
      return all;
    }

    int largestBatch() {
      synchronized (batches) {
        return batches.stream().mapToInt(List::size).max().orElse(0);
      }
    }
  }

  /** Runs the producer's functions ({@code npy_producer.py}) in {@link #dir}. */
  private void produce(String... calls) {
    NpyProducer.run(dir, calls);
  }

  /**
   * Asserts that {@code firsts} (first values of rows, in arrival order) holds, for each array {@code k}, exactly
   * its rows {@code [from_k, to_k)}, in order, and nothing else.
   */
  private static void assertRows(List<Long> firsts, int cols, Map<Long, long[]> expected) {
    Map<Long, List<Long>> byArray = new LinkedHashMap<>();
    for (long first : firsts) {
      byArray.computeIfAbsent(first / ARRAY, k -> new ArrayList<>()).add((first % ARRAY) / cols);
    }
    assertEquals(expected.keySet(), byArray.keySet(), "the arrays rows came from");
    expected.forEach((array, range) -> {
      List<Long> rows = new ArrayList<>();
      for (long r = range[0]; r < range[1]; r++) {
        rows.add(r);
      }
      assertEquals(rows, byArray.get(array), "rows of array " + array + ", in arrival order");
    });
  }

  private static Map<Long, long[]> rows(long... arrayFromTo) {
    Map<Long, long[]> expected = new LinkedHashMap<>();
    for (int i = 0; i < arrayFromTo.length; i += 3) {
      expected.put(arrayFromTo[i], new long[] {arrayFromTo[i + 1], arrayFromTo[i + 2]});
    }
    return expected;
  }

  private DataStreamReader npyStream() {
    return SparkTestSession.get().readStream().format("npy");
  }

  private static StreamingQuery start(Dataset<Row> stream, Path checkpoint, Trigger trigger,
      VoidFunction2<Dataset<Row>, Long> sink) throws Exception {
    return stream.writeStream().foreachBatch(sink).option("checkpointLocation", checkpoint.toString())
        .trigger(trigger).start();
  }

  private static void runAvailableNow(Dataset<Row> stream, Path checkpoint, VoidFunction2<Dataset<Row>, Long> sink)
      throws Exception {
    start(stream, checkpoint, Trigger.AvailableNow(), sink).awaitTermination();
  }

  @Test
  void availableNowReadsWhatExistedAtItsStartInLimitedBatchesAndARestartReadsTheRest() throws Exception {
    Path data = Files.createDirectories(dir.resolve("ticks"));
    Path checkpoint = dir.resolve("checkpoint");
    produce("create('ticks/a.npy', 1, 250)", "create('ticks/b.npy', 2, 40)");
    Batches first = new Batches();
    AtomicInteger appended = new AtomicInteger();
    Dataset<Row> stream = npyStream().option("maxRowsPerTrigger", "100").load(data.toString());
    StreamingQuery query = start(stream, checkpoint, Trigger.AvailableNow(), first.collector((batch, id) -> {
      if (appended.getAndIncrement() == 0) { // while the first batch runs: rows and a file it must not see
        produce("append('ticks/a.npy', 1, 50)", "create('ticks/c.npy', 3, 20)");
      }
    }));
    query.awaitTermination();
    assertRows(first.all(), 3, rows(1, 0, 250, 2, 0, 40));
    assertEquals(100, first.largestBatch(), "batches of at most maxRowsPerTrigger rows");
    assertEquals(3, first.batches.size());
    StreamingQueryProgress firstBatch = query.recentProgress()[0];
    assertEquals(100, firstBatch.numInputRows());
    Map<String, String> metrics = firstBatch.sources()[0].metrics();
    assertEquals("190", metrics.get("rowsBehindLatest"), metrics.toString());
    assertEquals("2", metrics.get("filesBehindLatest"), metrics.toString());

    Batches second = new Batches();
    runAvailableNow(npyStream().option("maxFilesPerTrigger", "1").load(data.toString()), checkpoint,
        second.collector(null));
    assertRows(second.all(), 3, rows(1, 250, 300, 3, 0, 20));
    assertEquals(2, second.batches.size(), "one file a batch");
    produce("check('ticks/a.npy', 1, 300)");
  }

  @Test
  void aProcessingTimeTriggerTailsANumpyProducerThatAppendsAndAddsFiles() throws Exception {
    Path data = Files.createDirectories(dir.resolve("live"));
    produce("create('live/t0.npy', 10, 5, cols=4)");
    Batches batches = new Batches();
    StreamingQuery query = start(npyStream().option("maxRowsPerTrigger", "40").load(data.toString()),
        dir.resolve("checkpoint"), Trigger.ProcessingTime(100), batches.collector(null));
    try {
      produce(
          "import time",
          "for step in range(30):",
          "    append('live/t0.npy', 10, 7)",
          "    if step % 10 == 9:",
          "        create('live/t%d.npy' % (step // 10 + 1), 10 + step // 10 + 1, 13, cols=4)",
          "        append('live/t%d.npy' % (step // 10 + 1), 10 + step // 10 + 1, 2)",
          "    time.sleep(0.02)",
          "check('live/t0.npy', 10, 215)");
      query.processAllAvailable();
    } finally {
      query.stop();
    }
    assertRows(batches.all(), 4, rows(10, 0, 215, 11, 0, 15, 12, 0, 15, 13, 0, 15));
    assertTrue(batches.largestBatch() <= 40, "at most maxRowsPerTrigger rows a batch: " + batches.largestBatch());
  }

  @Test
  void maxBytesPerTriggerAdmitsWholeRowsAndAtLeastOne() throws Exception {
    produce("create('bytes.npy', 6, 10)"); // rows of 24 bytes
    Path checkpoint = dir.resolve("checkpoint");
    Batches batches = new Batches();
    String file = dir.resolve("bytes.npy").toString();
    runAvailableNow(npyStream().option("maxBytesPerTrigger", "100").load(file), checkpoint,
        batches.collector(null));
    produce("append('bytes.npy', 6, 2)");
    runAvailableNow(npyStream().option("maxBytesPerTrigger", "10").load(file), checkpoint,
        batches.collector(null));
    assertEquals(List.of(4, 4, 2, 1, 1), batches.batches.stream().map(List::size).toList());
    assertRows(batches.all(), 3, rows(6, 0, 12));
  }

  @Test
  void latestStartsAfterTheRowsVisibleAtTheFirstStartEvenAcrossARestart() throws Exception {
    produce("create('one.npy', 4, 20)");
    Path checkpoint = dir.resolve("checkpoint");
    Batches batches = new Batches();
    Dataset<Row> stream = npyStream().option("startingOffsets", "latest").load(dir.resolve("one.npy").toString());
    runAvailableNow(stream, checkpoint, batches.collector(null));
    assertEquals(List.of(), batches.all());
    produce("append('one.npy', 4, 5)");
    runAvailableNow(stream, checkpoint, batches.collector(null));
    assertRows(batches.all(), 3, rows(4, 20, 25));
  }

  @Test
  void aMemmapFileGrowsByWholeRows() throws Exception {
    Path file = dir.resolve("grow.dat");
    String write = "open('grow.dat', 'ab').write(rows_of(5, %d, %d, 2).tobytes()%s)";
    produce(String.format(write, 0, 8, "")); // the schema is read when the stream is loaded: whole rows then
    Path checkpoint = dir.resolve("checkpoint");
    Dataset<Row> stream = SparkTestSession.get().readStream().format("memmap").option("dtype", "<i8")
        .option("shape", "-1,2").option("maxPartitionBytes", "32").load(file.toString());
    Batches batches = new Batches();
    List<Integer> partitions = new ArrayList<>();
    runAvailableNow(stream, checkpoint, batches.collector((batch, id) -> partitions.add(batch.rdd()
        .getNumPartitions())));
    assertRows(batches.all(), 2, rows(5, 0, 8));
    assertEquals(List.of(4), partitions, "8 rows of 16 bytes planned as a batch read plans them: 32 bytes a split");
    produce(String.format(write, 8, 2, "[:-8]")); // row 8 and half of row 9
    runAvailableNow(stream, checkpoint, batches.collector(null));
    assertRows(batches.all(), 2, rows(5, 0, 9));
    produce("open('grow.dat', 'ab').write(rows_of(5, 9, 2, 2).tobytes()[8:])"); // the rest of row 9, and row 10
    runAvailableNow(stream, checkpoint, batches.collector(null));
    assertRows(batches.all(), 2, rows(5, 0, 11));
  }

  /**
   * Starts a query with a processing-time trigger on a directory of two files, lets it read them, then applies
   * {@code change} to {@code a.npy} (100 rows of 24 bytes: its first 1024 bytes hold rows 0 to 42) and appends to
   * {@code b.npy}.
   */
  private StreamingQuery readThenChange(Batches batches, String change, String onChangedFile) throws Exception {
    Path data = Files.createDirectories(dir.resolve("changing"));
    produce("create('changing/a.npy', 1, 100)", "create('changing/b.npy', 2, 30)");
    StreamingQuery query = start(npyStream().option("onChangedFile", onChangedFile).load(data.toString()),
        dir.resolve("checkpoint"), Trigger.ProcessingTime(100), batches.collector(null));
    query.processAllAvailable();
    produce(change, "append('changing/b.npy', 2, 10)");
    return query;
  }

  private void assertChangeFails(String change, String... inMessage) throws Exception {
    Batches batches = new Batches();
    StreamingQuery query = readThenChange(batches, change, "fail");
    StreamingQueryException e = assertThrows(StreamingQueryException.class, () -> {
      if (!query.awaitTermination(120_000)) {
        query.stop();
      }
    }, "the query fails at its next trigger");
    String message = e.getMessage();
    assertTrue(message.contains(dir.resolve("changing/a.npy").toString()), message);
    for (String expected : inMessage) {
      assertTrue(message.contains(expected), "'" + expected + "' in: " + message);
    }
    assertRows(batches.all(), 3, rows(1, 0, 100, 2, 0, 30));
  }

  @Test
  void aFileThatShrankFailsTheQueryNamingIt() throws Exception {
    assertChangeFails("replace('changing/a.npy', rows_of(1, 0, 10, 3))", "shrank", "has 10 rows",
        "has already seen 100", "onChangedFile=skip");
  }

  @Test
  void aFileReplacedByAnotherKindOfArrayFailsTheQueryNamingIt() throws Exception {
    assertChangeFails("replace('changing/a.npy', rows_of(1, 0, 140, 3).astype('<f8'))", "was replaced",
        "dtype <f8", "dtype <i8");
  }

  @Test
  void aFileReplacedBySameKindOfArrayWithOtherRowsFailsTheQueryNamingIt() throws Exception {
    assertChangeFails("replace('changing/a.npy', rows_of(1, 0, 140, 3) + 1)", "was replaced",
        "first 1024 bytes");
  }

  @Test
  void aFileRewrittenFromTheSameStartWithOtherRowsFailsTheQueryNamingIt() throws Exception {
    // the first 1024 bytes (rows 0 to 42) are those of the old file, row 99 is not
    assertChangeFails("replace('changing/a.npy', np.concatenate([rows_of(1, 0, 60, 3), "
        + "rows_of(1, 60, 80, 3) + 1]))", "was replaced", "row 99 is not the one the stream saw");
  }

  @Test
  void aFileThatVanishedFailsTheQueryNamingIt() throws Exception {
    assertChangeFails("os.remove('changing/a.npy')", "vanished");
  }

  @Test
  void skippedChangedFilesAreLeftOutForGoodAndTheOthersRead() throws Exception {
    Batches batches = new Batches();
    StreamingQuery query = readThenChange(batches, "replace('changing/a.npy', rows_of(1, 0, 140, 3) + 1)", "skip");
    try {
      query.processAllAvailable();
    } finally {
      query.stop();
    }
    assertRows(batches.all(), 3, rows(1, 0, 100, 2, 0, 40));
    assertEquals("1", query.lastProgress().sources()[0].metrics().get("filesSkipped"));
    // after a restart, the file stays left out, whatever it holds
    produce("replace('changing/a.npy', rows_of(1, 0, 150, 3))", "append('changing/b.npy', 2, 1)");
    runAvailableNow(npyStream().option("onChangedFile", "skip").load(dir.resolve("changing").toString()),
        dir.resolve("checkpoint"), batches.collector(null));
    assertRows(batches.all(), 3, rows(1, 0, 100, 2, 0, 41));
  }

  @Test
  void invalidStreamOptionsAreRefusedNamingPathOptionAndValue() {
    produce("create('x.npy', 1, 3)");
    String path = dir.resolve("x.npy").toString();
    Map<String, String> refused = Map.of(
        "maxRowsPerTrigger", "0",
        "maxFilesPerTrigger", "many",
        "maxBytesPerTrigger", "-1",
        "startingOffsets", "oldest",
        "onChangedFile", "ignore");
    for (Map.Entry<String, String> option : refused.entrySet()) {
      Exception e = assertThrows(Exception.class, () -> runAvailableNow(
          npyStream().option(option.getKey(), option.getValue()).load(path), dir.resolve("chk-" + option.getKey()),
          (batch, id) -> { }));
      String message = String.valueOf(e.getMessage());
      assertTrue(message.contains(path) && message.contains("option '" + option.getKey() + "'")
          && message.contains(option.getValue()), message);
    }
  }

  @Test
  void anNpzArchiveIsRefusedNamingIt() {
    produce("np.savez('x.npz', a=rows_of(1, 0, 3, 3))");
    Exception e = assertThrows(Exception.class, () -> runAvailableNow(npyStream().load(dir.resolve("x.npz")
        .toString()), dir.resolve("checkpoint"), (batch, id) -> { }));
    String message = String.valueOf(e.getMessage());
    assertTrue(message.contains(dir.resolve("x.npz").toString()) && message.contains("cannot grow in place"),
        message);
  }
}
