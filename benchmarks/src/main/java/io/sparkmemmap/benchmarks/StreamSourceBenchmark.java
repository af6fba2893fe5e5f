package io.sparkmemmap.benchmarks;

import static org.apache.spark.sql.functions.col;

import io.sparkmemmap.format.NpyHeader;
import io.sparkmemmap.format.Shape;
import java.io.IOException;
import java.io.ByteArrayInputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.streaming.StreamingQuery;
import org.apache.spark.sql.streaming.StreamingQueryProgress;
import org.apache.spark.sql.streaming.Trigger;

/**
 * The streaming source on {@code local[2]}: rows per second through it (a {@code .npy} read by
 * {@code Trigger.AvailableNow} into the {@code noop} sink, in one batch and in 16, against a batch read of the same
 * file into {@code noop}), and the latency from an append to its rows reaching {@code foreachBatch} with a
 * processing-time trigger of 100 ms, while a producer thread appends rows in place as NumPy appenders do (the
 * data, then the header's shape).
 */
final class StreamSourceBenchmark implements BenchmarkSuite {
  static final String BATCH = "batch read into noop";
  static final String ONE_BATCH = "stream, AvailableNow, one micro-batch, into noop";
  static final String SIXTEEN_BATCHES = "stream, AvailableNow, maxRowsPerTrigger=rows/16, into noop";
  static final int APPENDS = 60;
  private static final int WARMUP_APPENDS = 10;
  static final int ROWS_PER_APPEND = 1000;

  @Override
  public Report run(BenchmarkConfig config) throws Exception {
    Report report = new Report(name());
    SparkSession spark = BenchmarkSession.start("local[2]");
    try {
      BenchmarkData.Array data = BenchmarkData.writeNpy(config.dataDir().resolve("stream-input.npy"), config.rows());
      String file = data.file().toString();
      Path checkpoints = config.dataDir().resolve("stream-checkpoints");
      int[] run = {0};
      Benchmark.Result throughput = new Benchmark("rows through the source: " + data.rows() + " rows of 16 float32")
          .addCase(BATCH, null, () -> {
            spark.read().format("npy").option("layout", "columns").load(file).write().format("noop")
                .mode("overwrite").save();
            return data.rows();
          })
          .addCase(ONE_BATCH, null, () -> streamAll(spark.readStream().format("npy").option("layout", "columns")
              .load(file), checkpoints.resolve("run-" + run[0]++)))
          .addCase(SIXTEEN_BATCHES, null, () -> streamAll(spark.readStream().format("npy")
              .option("layout", "columns").option("maxRowsPerTrigger", Long.toString((data.rows() + 15) / 16))
              .load(file), checkpoints.resolve("run-" + run[0]++)))
          .run(config.warmup(), config.iterations());
      for (Benchmark.CaseResult c : throughput.cases()) {
        throughput = throughput.withNote(String.format(Locale.ROOT, "%s: %.1f M rows/s (median)", c.name(),
            data.rows() / c.median() / 1000.0));
      }
      report.context("Data: " + config.describeData() + "; Spark master local[2], Spark's default settings")
          .add(throughput.withNote("each answer is the rows the query read (the stream's numInputRows summed)"));
      BenchmarkData.delete(checkpoints);
      report.add(latency(spark, config.dataDir().resolve("stream-latency")), Map.of());
      BenchmarkData.delete(data.file());
      return report;
    } finally {
      spark.stop();
    }
  }

  /** Runs the stream to its end under {@code Trigger.AvailableNow} and returns the rows it read. */
  private static long streamAll(Dataset<Row> stream, Path checkpoint) throws Exception {
    StreamingQuery query = stream.writeStream().format("noop").option("checkpointLocation", checkpoint.toString())
        .trigger(Trigger.AvailableNow()).start();
    return rowsRead(query);
  }

  /** Waits for a query to end and returns the rows it read (its progress reports' {@code numInputRows}). */
  static long rowsRead(StreamingQuery query) throws Exception {
    query.awaitTermination();
    long rows = 0;
    for (StreamingQueryProgress progress : query.recentProgress()) {
      rows += progress.numInputRows();
    }
    return rows;
  }

  /**
   * A producer thread appends {@value #ROWS_PER_APPEND} rows at random intervals of 150 to 350 ms (not in step
   * with the trigger), column 0 holding the append's number; {@code foreachBatch} notes when each number arrives.
   */
  private static String latency(SparkSession spark, Path dir) throws Exception {
    BenchmarkData.delete(dir);
    Files.createDirectories(dir);
    Path file = dir.resolve("ticks.npy");
    Files.write(file, NpyHeader.encode(BenchmarkData.FLOAT32, false, Shape.of(0, BenchmarkData.COLUMNS)));
    Map<Integer, Long> committed = new ConcurrentHashMap<>();
    Map<Integer, Long> arrived = new ConcurrentHashMap<>();
    StreamingQuery query = spark.readStream().format("npy").option("layout", "columns").load(file.toString())
        .writeStream().option("checkpointLocation", dir.resolve("checkpoint").toString())
        .trigger(Trigger.ProcessingTime(100, TimeUnit.MILLISECONDS))
        .foreachBatch((Dataset<Row> batch, Long id) -> {
          List<Row> numbers = batch.select(col("c0")).collectAsList(); // no shuffle: the sink costs little
          long now = System.nanoTime();
          for (Row row : numbers) {
            arrived.putIfAbsent((int) row.getFloat(0), now);
          }
        })
        .start();
    try {
      Random random = new Random(16);
      for (int append = 0; append < APPENDS; append++) {
        Thread.sleep(150 + random.nextInt(200));
        appendRows(file, append);
        committed.put(append, System.nanoTime());
      }
      query.processAllAvailable();
    } finally {
      query.stop();
    }
    long[] committedAt = new long[APPENDS];
    long[] arrivedAt = new long[APPENDS];
    for (int append = 0; append < APPENDS; append++) {
      committedAt[append] = committed.get(append);
      arrivedAt[append] = arrived.getOrDefault(append, 0L);
    }
    BenchmarkData.delete(dir);
    return latencies("an append (header rewritten) to its rows in foreachBatch", committedAt, arrivedAt);
  }

  /**
   * The spread of the latencies from {@code from[i]} to {@code to[i]} (nanoTime), leaving out the first
   * {@value #WARMUP_APPENDS} appends.
   */
  static String latencies(String what, long[] from, long[] to) {
    double[] millis = new double[APPENDS - WARMUP_APPENDS];
    for (int append = WARMUP_APPENDS; append < APPENDS; append++) {
      if (to[append] == 0) {
        throw new IllegalStateException("the rows of append " + append + " never arrived");
      }
      millis[append - WARMUP_APPENDS] = (to[append] - from[append]) / 1e6;
    }
    Arrays.sort(millis);
    return String.format(Locale.ROOT, "latency from %s, "
        + "processing-time trigger 100 ms, %d appends of %d rows after %d untimed:%n"
        + "  min %.0f ms, median %.0f ms, p90 %.0f ms, max %.0f ms%n", what, millis.length, ROWS_PER_APPEND,
        WARMUP_APPENDS, millis[0], millis[millis.length / 2], millis[(int) (millis.length * 0.9)],
        millis[millis.length - 1]);
  }

  /** Appends rows whose every value is {@code number}: the data after the old rows, then the header's new shape. */
  static void appendRows(Path file, int number) throws IOException {
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
      ByteBuffer head = ByteBuffer.allocate(4096);
      channel.read(head, 0);
      NpyHeader header = NpyHeader.read(new ByteArrayInputStream(head.array(), 0, head.position()),
          file.toString());
      long rows = header.shape().dim(0);
      ByteBuffer data = ByteBuffer.allocate(ROWS_PER_APPEND * BenchmarkData.ROW_BYTES)
          .order(ByteOrder.LITTLE_ENDIAN);
      while (data.hasRemaining()) {
        data.putFloat(number);
      }
      data.flip();
      channel.position(header.dataOffset() + rows * BenchmarkData.ROW_BYTES);
      BenchmarkData.writeFully(channel, data);
      byte[] newHeader = header.encodeInPlace(Shape.of(rows + ROWS_PER_APPEND, BenchmarkData.COLUMNS))
          .orElseThrow(() -> new IOException(file + ": no room in the header for the new shape"));
      channel.position(0);
      BenchmarkData.writeFully(channel, ByteBuffer.wrap(newHeader));
    }
  }
}
