package io.sparkmemmap.benchmarks;

import io.sparkmemmap.format.NpyHeader;
import io.sparkmemmap.format.Shape;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.streaming.StreamingQuery;
import org.apache.spark.sql.streaming.Trigger;

/**
 * The streaming source and sink in one query on {@code local[2]}: rows per second from a {@code .npy} through
 * {@code readStream.format("npy")} into {@code writeStream.format("npy")} (a sink directory, and one growing file),
 * in one {@code Trigger.AvailableNow} micro-batch, against a batch read and write of the same file; and the latency
 * from an append to a {@code .npy} (its header rewritten) to its rows being visible to a reader of a
 * {@code singleFile} sink (in the sink's header), with a processing-time trigger of 100 ms.
 */
final class StreamPipelineBenchmark implements BenchmarkSuite {
  static final String BATCH = "batch read, batch write (directory)";
  static final String DIRECTORY_SINK = "stream, AvailableNow, into the directory sink";
  static final String SINGLE_FILE_SINK = "stream, AvailableNow, into the singleFile sink";

  @Override
  public Report run(BenchmarkConfig config) throws Exception {
    Report report = new Report(name());
    SparkSession spark = BenchmarkSession.start("local[2]");
    try {
      BenchmarkData.Array data = BenchmarkData.writeNpy(config.dataDir().resolve("pipeline-input.npy"),
          config.rows());
      String file = data.file().toString();
      Path outputs = config.dataDir().resolve("pipeline-outputs");
      Benchmark.Result throughput = new Benchmark("rows through source and sink: " + data.rows()
          + " rows of 16 float32")
          .addCase(BATCH, null, () -> BenchmarkData.delete(outputs), () -> {
            spark.read().format("npy").option("layout", "columns").load(file).write().format("npy")
                .option("layout", "columns").save(outputs.resolve("out").toString());
            return data.rows();
          })
          .addCase(DIRECTORY_SINK, null, () -> BenchmarkData.delete(outputs),
              () -> streamAll(spark, file, outputs, false))
          .addCase(SINGLE_FILE_SINK, null, () -> BenchmarkData.delete(outputs),
              () -> streamAll(spark, file, outputs, true))
          .run(config.warmup(), config.iterations());
      for (Benchmark.CaseResult c : throughput.cases()) {
        throughput = throughput.withNote(String.format(Locale.ROOT, "%s: %.2f M rows/s (median)", c.name(),
            data.rows() / c.median() / 1000.0));
      }
      report.context("Data: " + config.describeData() + "; Spark master local[2], Spark's default settings")
          .add(throughput.withNote("each answer is the rows the query read (the stream's numInputRows summed)"));
      BenchmarkData.delete(outputs);
      BenchmarkData.delete(data.file());
      report.add(latency(spark, config.dataDir().resolve("pipeline-latency")), Map.of());
      return report;
    } finally {
      spark.stop();
    }
  }

  /** Streams all of {@code file} into an npy sink under {@code outputs}; returns the rows the query read. */
  private static long streamAll(SparkSession spark, String file, Path outputs, boolean singleFile)
      throws Exception {
    StreamingQuery query = spark.readStream().format("npy").option("layout", "columns").load(file)
        .writeStream().format("npy").option("layout", "columns").option("singleFile", Boolean.toString(singleFile))
        .option("checkpointLocation", outputs.resolve("checkpoint").toString())
        .trigger(Trigger.AvailableNow()).start(outputs.resolve(singleFile ? "out.npy" : "out").toString());
    return StreamSourceBenchmark.rowsRead(query);
  }

  /**
   * A producer appends {@value StreamSourceBenchmark#ROWS_PER_APPEND} rows at random intervals of 150 to 350 ms,
   * as {@link StreamSourceBenchmark} does; a reader polls the sink's header every millisecond. The sink holds the
   * rows in order, so append {@code i} is visible once the header counts {@code (i + 1) * rows per append}.
   */
  private static String latency(SparkSession spark, Path dir) throws Exception {
    BenchmarkData.delete(dir);
    Files.createDirectories(dir);
    Path file = dir.resolve("ticks.npy");
    Path sink = dir.resolve("features.npy");
    Files.write(file, NpyHeader.encode(BenchmarkData.FLOAT32, false, Shape.of(0, BenchmarkData.COLUMNS)));
    int appends = StreamSourceBenchmark.APPENDS;
    long[] appended = new long[appends];
    long[] visible = new long[appends];
    AtomicBoolean reading = new AtomicBoolean(true);
    Thread reader = new Thread(() -> pollSink(sink, visible, reading), "sink-reader");
    StreamingQuery query = spark.readStream().format("npy").option("layout", "columns").load(file.toString())
        .writeStream().format("npy").option("layout", "columns").option("singleFile", "true")
        .option("checkpointLocation", dir.resolve("checkpoint").toString())
        .trigger(Trigger.ProcessingTime(100, TimeUnit.MILLISECONDS))
        .start(sink.toString());
    reader.start();
    try {
      Random random = new Random(16);
      for (int append = 0; append < appends; append++) {
        Thread.sleep(150 + random.nextInt(200));
        StreamSourceBenchmark.appendRows(file, append);
        appended[append] = System.nanoTime();
      }
      query.processAllAvailable();
      reader.join(60_000); // it ends once it saw every append, which the sink holds now
    } finally {
      reading.set(false);
      query.stop();
      reader.join();
    }
    String measured = StreamSourceBenchmark.latencies("an append (header rewritten) to its rows in the "
        + "singleFile sink's header", appended, visible);
    BenchmarkData.delete(dir);
    return measured;
  }

  /** Notes when the sink's header first counts the rows of each append, until it counts all of them. */
  private static void pollSink(Path sink, long[] visible, AtomicBoolean reading) {
    int seen = 0;
    try {
      while (seen < visible.length && reading.get()) {
        long rows = sinkRows(sink);
        long now = System.nanoTime();
        while (seen < visible.length && rows >= (seen + 1L) * StreamSourceBenchmark.ROWS_PER_APPEND) {
          visible[seen++] = now;
        }
        Thread.sleep(1);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * The rows the sink's header counts; 0 before the sink exists, and when a read of it fails (it is polled as the
   * header is rewritten in place): an append never seen fails the benchmark.
   */
  private static long sinkRows(Path sink) {
    try (InputStream in = Files.newInputStream(sink)) {
      return NpyHeader.read(in, sink.toString()).shape().dim(0);
    } catch (IOException e) {
      return 0;
    }
  }
}
