package io.sparkmemmap.write;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.expr;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkmemmap.Python;
import io.sparkmemmap.SparkTestSession;
import io.sparkmemmap.format.NpyHeader;
import io.sparkmemmap.format.Shape;
import io.sparkmemmap.read.SinkCommitLog;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.LongStream;
import java.util.stream.Stream;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.streaming.DataStreamWriter;
import org.apache.spark.sql.streaming.StreamingQuery;
import org.apache.spark.sql.streaming.StreamingQueryException;
import org.apache.spark.sql.streaming.Trigger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The streaming sink on local Spark: micro-batches from Spark's text file source (one input file per micro-batch,
 * so the rows of each are known), written as a sink directory or appended to one file, and checked by NumPy and
 * by this connector's batch read.
 */
class StreamingSinkTest {
  private static final long BASE_MTIME = System.currentTimeMillis() - 60_000;

  @TempDir
  Path dir;

  private final SparkSession spark = SparkTestSession.get();

  /** Twelve micro-batches, of 25 rows each but one of 125, so the log has a compact entry ({@code 9.compact}). */
  @Test
  void directorySinkReadsBackAsExactlyTheCommittedBatches() throws Exception {
    Path out = dir.resolve("out");
    for (int n = 0; n < 12; n++) {
      addInput(n, n * 25L + (n > 4 ? 100 : 0), (n + 1) * 25L + (n >= 4 ? 100 : 0));
    }
    runAvailableNow(longs(), out, false);

    assertEquals(range(0, 400), connectorRead(out));
    assertEquals(range(0, 400), numpyDirectory(out));
    Path log = out.resolve(SinkCommitLog.DIRECTORY);
    assertEquals(List.of("0", "1", "10", "11", "2", "3", "4", "5", "6", "7", "8", "9.compact"), names(log));
    NumpyChecks.assertNoStaging(out);
    // a read takes the compact entry and those after it
    for (int epoch = 0; epoch < 9; epoch++) {
      Files.delete(log.resolve(Integer.toString(epoch)));
    }
    assertEquals(range(0, 400), connectorRead(out));

    // a batch write would add parts the log does not list, which reads would not see
    Exception refused = assertThrows(Exception.class,
        () -> SparkTestSession.longs(0, 5).write().format("npy").mode("append").save(out.toString()));
    assertTrue(NumpyChecks.messages(refused).contains("is the sink of a streaming query"),
        NumpyChecks.messages(refused));

    // a whole .npy that no committed epoch lists, as a crash before the log entry leaves: reads leave it out
    Python.run("np.save(" + Python.literal(out.resolve("part-9999999999-00000-stray.npy")) + ", np.arange(5))");
    assertEquals(range(0, 400), connectorRead(out));
  }

  @Test
  void singleFileGrowsAsNumpySeesIt() throws Exception {
    Path out = dir.resolve("out.npy");
    StreamingQuery query = sink(longs(), out, true).start(out.toString());
    try {
      addInput(0, 0, 100);
      query.processAllAvailable();
      assertEquals(range(0, 100), numpyFile(out));
      addInput(1, 100, 130);
      query.processAllAvailable();
      assertEquals(range(0, 130), numpyFile(out));
      addInput(2, 130, 400);
      query.processAllAvailable();
      assertEquals(range(0, 400), numpyFile(out));
    } finally {
      query.stop();
    }
    assertEquals("v1\nquery " + query.id() + "\nepoch 2\nrows 400\n",
        Files.readString(dir.resolve("out.npy" + EpochRecord.SUFFIX)));
    assertEquals(range(0, 400), connectorRead(out));
    NumpyChecks.assertNoStaging(out);
  }

  /**
   * The driver died after the sink committed the last micro-batch and before Spark recorded that in the
   * checkpoint (its {@code commits/} entry is removed): the restarted query runs that micro-batch again, and the
   * sink adds nothing.
   */
  @ParameterizedTest(name = "singleFile={0}")
  @ValueSource(booleans = {false, true})
  void replayedEpochAddsNothing(boolean singleFile) throws Exception {
    Path out = dir.resolve(singleFile ? "out.npy" : "out");
    addInput(0, 0, 100);
    addInput(1, 100, 180);
    runAvailableNow(longs(), out, singleFile);
    forgetCommit(1);

    runAvailableNow(longs(), out, singleFile);

    assertTrue(Files.exists(dir.resolve("checkpoint/commits/1")), "the restarted query ran micro-batch 1 again");
    assertEquals(range(0, 180), singleFile ? numpyFile(out) : numpyDirectory(out));
    assertEquals(range(0, 180), connectorRead(out));
  }

  /**
   * The driver died between the record of epoch 1 and the header rewrite (the header is set back to epoch 0's
   * rows, as the crash left it): NumPy sees whole micro-batches, and the restarted query completes the header from
   * the record and adds micro-batch 1's rows no second time.
   */
  @Test
  void headerBehindTheRecordIsCompletedOnRestart() throws Exception {
    Path out = dir.resolve("out.npy");
    addInput(0, 0, 100);
    addInput(1, 100, 180);
    runAvailableNow(longs(), out, true);
    setRowCount(out, 100);
    forgetCommit(1);
    assertEquals(range(0, 100), numbers(Python.run("print(' '.join(map(str, np.load(" + Python.literal(out)
        + ").tolist())))")));

    addInput(2, 180, 200);
    runAvailableNow(longs(), out, true);

    assertEquals(range(0, 200), numpyFile(out));
  }

  @ParameterizedTest(name = "singleFile={0}")
  @ValueSource(booleans = {false, true})
  void failingBatchLeavesThePreviousStateValid(boolean singleFile) throws Exception {
    Path out = dir.resolve(singleFile ? "out.npy" : "out");
    addInput(0, 0, 100);
    runAvailableNow(nullable(), out, singleFile);
    addInput(1, List.of("100", "101", "not a number", "103"));

    StreamingQueryException e = assertThrows(StreamingQueryException.class,
        () -> runAvailableNow(nullable(), out, singleFile));

    assertTrue(NumpyChecks.messages(e).contains("null"), NumpyChecks.messages(e));
    assertEquals(range(0, 100), singleFile ? numpyFile(out) : numpyDirectory(out));
    assertEquals(range(0, 100), connectorRead(out));
    NumpyChecks.assertNoStaging(out);
    if (!singleFile) {
      assertEquals(List.of("0"), names(out.resolve(SinkCommitLog.DIRECTORY)));
      assertEquals(1, names(out).stream().filter(n -> n.endsWith(".npy")).count(), names(out).toString());
    }
  }

  @Test
  void completeModeIsRefusedBeforeAnythingIsWritten() throws Exception {
    Path out = dir.resolve("out");
    addInput(0, 0, 10);
    Dataset<Row> counts = longs().groupBy(expr("value % 3").as("k")).count();

    StreamingQueryException e = assertThrows(StreamingQueryException.class,
        () -> sink(counts, out, false).outputMode("complete").trigger(Trigger.AvailableNow()).start(out.toString())
            .awaitTermination());

    assertTrue(NumpyChecks.messages(e).contains("output mode complete is not supported by the npy sink"),
        NumpyChecks.messages(e));
    NumpyChecks.assertNothingAt(out);
  }

  @Test
  void updateModeIsWrittenAsAppend() throws Exception {
    Path out = dir.resolve("out.npy");
    addInput(0, 0, 50);
    addInput(1, 50, 60);
    sink(longs(), out, true).outputMode("update").trigger(Trigger.AvailableNow()).start(out.toString())
        .awaitTermination();

    assertEquals(range(0, 60), numpyFile(out));
  }

  @Test
  void aSinkOfAnotherQueryIsRefused() throws Exception {
    Path out = dir.resolve("out");
    addInput(0, 0, 10);
    runAvailableNow(longs(), out, false);

    StreamingQueryException e = assertThrows(StreamingQueryException.class,
        () -> sink(longs(), out, false).option("checkpointLocation", dir.resolve("other").toString())
            .trigger(Trigger.AvailableNow()).start(out.toString()).awaitTermination());

    assertTrue(NumpyChecks.messages(e).contains("is the sink of another streaming query"), NumpyChecks.messages(e));
    assertEquals(range(0, 10), connectorRead(out));
  }

  /** Removes Spark's record that micro-batch {@code epoch} committed, as a driver that died before writing it. */
  private void forgetCommit(long epoch) throws IOException {
    Path commits = dir.resolve("checkpoint/commits");
    Files.delete(commits.resolve(Long.toString(epoch)));
    Files.deleteIfExists(commits.resolve("." + epoch + ".crc"));
  }

  // ---- input and output --------------------------------------------------------------------------------------

  /** Input file {@code n} with the numbers {@code [from, to)}, one a line; older files are read first. */
  private void addInput(int n, long from, long to) throws IOException {
    addInput(n, LongStream.range(from, to).mapToObj(Long::toString).toList());
  }

  private void addInput(int n, List<String> lines) throws IOException {
    Path in = Files.createDirectories(dir.resolve("in"));
    Path written = in.resolve(".input-" + n + ".tmp");
    Files.writeString(written, String.join("\n", lines) + "\n");
    Files.setLastModifiedTime(written, FileTime.fromMillis(BASE_MTIME + n * 1000L));
    Files.move(written, in.resolve("input-" + n + ".txt"));
  }

  private Dataset<Row> input() throws IOException {
    Files.createDirectories(dir.resolve("in"));
    return spark.readStream().option("maxFilesPerTrigger", "1").text(dir.resolve("in").toString());
  }

  private Dataset<Row> longs() throws IOException {
    return input().select(col("value").cast("long").as("value"));
  }

  /** A line that is not a number becomes null, which the sink refuses without a nullValue. */
  private Dataset<Row> nullable() throws IOException {
    return input().select(expr("try_cast(value AS BIGINT)").as("value"));
  }

  private DataStreamWriter<Row> sink(Dataset<Row> rows, Path out, boolean singleFile) {
    return rows.writeStream().format("npy").option("singleFile", Boolean.toString(singleFile))
        .option("checkpointLocation", dir.resolve("checkpoint").toString());
  }

  private void runAvailableNow(Dataset<Row> rows, Path out, boolean singleFile) throws Exception {
    sink(rows, out, singleFile).trigger(Trigger.AvailableNow()).start(out.toString()).awaitTermination();
  }

  private List<Long> connectorRead(Path out) {
    return spark.read().format("npy").load(out.toString()).collectAsList().stream().map(r -> r.getLong(0)).toList();
  }

  private static List<Long> numpyFile(Path file) {
    return numbers(Python.run(NumpyChecks.CHECK + "print(' '.join(map(str, check(" + Python.literal(file)
        + ").tolist())))"));
  }

  /** The directory's parts in name order, each checked as NumPy writes it, concatenated. */
  private static List<Long> numpyDirectory(Path out) {
    return numbers(Python.run(NumpyChecks.CHECK + "print(' '.join(map(str, np.concatenate([check(p) for p in "
        + "parts(" + Python.literal(out) + ")]).tolist())))"));
  }

  private static List<Long> numbers(String printed) {
    return Stream.of(printed.strip().split(" ")).filter(s -> !s.isEmpty()).map(Long::valueOf).toList();
  }

  private static List<Long> range(long from, long to) {
    return LongStream.range(from, to).boxed().toList();
  }

  private static List<String> names(Path directory) throws IOException {
    try (Stream<Path> entries = Files.list(directory)) {
      return entries.map(p -> p.getFileName().toString()).sorted().collect(Collectors.toList());
    }
  }

  /** Rewrites the header of a 1-D {@code .npy} for {@code rows} rows, in place. */
  private static void setRowCount(Path file, long rows) throws IOException {
    NpyHeader header;
    try (InputStream in = Files.newInputStream(file)) {
      header = NpyHeader.read(in, file.toString());
    }
    byte[] bytes = header.encodeInPlace(Shape.of(new long[] {rows})).orElseThrow();
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
      channel.write(ByteBuffer.wrap(bytes), 0);
    }
  }
}
