package io.sparkmemmap.examples;

import static org.apache.spark.sql.functions.avg;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.timestamp_millis;
import static org.apache.spark.sql.functions.window;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.LocalDateTime;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.streaming.StreamingQuery;
import org.apache.spark.sql.streaming.Trigger;

/**
 * Market ticks streamed into per-second aggregates, kept in one {@code .npy} that grows while the stream runs and
 * that NumPy (or a training job's {@code np.memmap}) can open at any moment.
 *
 * <p>A producer thread (plain Java, no Python) emits ten ticks a second of event time and drops them, a file at a
 * time, into {@code ticks/} as JSON lines; a streaming query reads them with Spark's file source, counts and
 * averages them per second of event time (a window is final once the watermark passes it), and appends each
 * micro-batch's finished seconds to {@code per-second.npy} with the npy sink ({@code singleFile}). Meanwhile the
 * main thread reads the sink back with this connector as it grows. Until the connector has a streaming source, the
 * ticks travel as JSON files; with it, the producer would append them to a {@code .npy} instead.
 *
 * <p>Usage: {@code StreamingTicks [outputDir] [files] [ticksPerFile]}.
 */
public final class StreamingTicks {
  /** Event time of the first tick: 2026-01-01T00:00:00Z. */
  static final long START_MILLIS = 1_767_225_600_000L;
  /** Ten ticks a second of event time. */
  static final long TICK_MILLIS = 100;

  private StreamingTicks() {}

  public static void main(String[] args) throws Exception {
    Path out = Paths.get(args.length > 0 ? args[0] : "target/streaming-ticks").toAbsolutePath();
    int files = args.length > 1 ? Integer.parseInt(args[1]) : 20;
    int ticksPerFile = args.length > 2 ? Integer.parseInt(args[2]) : 50;
    Path ticks = out.resolve("ticks");
    Path perSecond = out.resolve("per-second.npy");
    deleteRecursively(out);
    Files.createDirectories(ticks);

    SparkSession spark = ExampleSession.start("spark-memmap StreamingTicks");
    try {
      StreamingQuery query = spark.readStream().schema("t BIGINT, price DOUBLE").option("maxFilesPerTrigger", "1")
          .json(ticks.toString())
          .select(timestamp_millis(col("t")).as("t"), col("price"))
          .withWatermark("t", "0 seconds")
          .groupBy(window(col("t"), "1 second"))
          .agg(count("*").as("ticks"), avg("price").as("mean"), min("price").as("low"), max("price").as("high"))
          .select(col("window.start").as("second"), col("ticks"), col("mean"), col("low"), col("high"))
          .writeStream().format("npy")
          .option("singleFile", "true")
          .option("checkpointLocation", out.resolve("checkpoint").toString())
          .trigger(Trigger.ProcessingTime("200 milliseconds"))
          .start(perSecond.toString());

      Thread producer = new Thread(() -> produce(ticks, files, ticksPerFile), "tick-producer");
      producer.start();
      // read the sink while ticks arrive and while the query catches up with them
      long shown = 0;
      while (producer.isAlive() || query.status().isDataAvailable() || query.status().isTriggerActive()) {
        shown = show(spark, perSecond, shown);
        Thread.sleep(300);
      }
      producer.join();
      query.processAllAvailable();
      query.stop();
      show(spark, perSecond, shown);
      System.out.printf("python3 -c \"import numpy as np; a = np.load('%s', mmap_mode='r'); print(a.dtype, a.shape); "
          + "print(np.sort(a, order='second')[-3:])\"%n", perSecond);
    } finally {
      spark.stop();
    }
  }

  /** The price of tick {@code k}: what the test recomputes with NumPy. */
  static double price(long k) {
    return 100 + 5 * Math.sin(k / 7.0) + (k % 3) * 0.25;
  }

  /** Writes {@code files} files of ticks, each made visible by a rename, as ticks arrive. */
  private static void produce(Path ticks, int files, int ticksPerFile) {
    try {
      for (int file = 0; file < files; file++) {
        StringBuilder lines = new StringBuilder();
        for (long k = (long) file * ticksPerFile; k < (long) (file + 1) * ticksPerFile; k++) {
          lines.append("{\"t\": ").append(START_MILLIS + k * TICK_MILLIS).append(", \"price\": ").append(price(k))
              .append("}\n");
        }
        Path written = ticks.resolve(".ticks-" + file + ".json.tmp");
        Files.writeString(written, lines);
        Files.move(written, ticks.resolve(String.format("ticks-%05d.json", file)));
        Thread.sleep(400); // ticks arrive over time, and the sink grows meanwhile
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Reads the sink as it is now and prints its newest second when it grew; returns its row count. */
  private static long show(SparkSession spark, Path perSecond, long shown) {
    if (!Files.exists(perSecond)) {
      return shown;
    }
    List<Row> rows = spark.read().format("npy").load(perSecond.toString()).collectAsList(); // one row a second
    if (rows.size() != shown) {
      Row last = rows.stream().max(Comparator.comparing(row -> row.<LocalDateTime>getAs("second"))).get();
      System.out.printf("%s holds %d seconds; latest %s: %d ticks, mean %.3f%n", perSecond.getFileName(),
          rows.size(), last.get(0), last.getLong(1), last.getDouble(2));
    }
    return rows.size();
  }

  private static void deleteRecursively(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path path : (Iterable<Path>) paths.sorted(Comparator.reverseOrder())::iterator) {
        Files.delete(path);
      }
    }
  }
}
