package io.sparkmemmap.examples;

import static org.apache.spark.sql.functions.avg;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.timestamp_millis;
import static org.apache.spark.sql.functions.window;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.FutureTask;
import java.util.stream.Stream;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.streaming.StreamingQuery;
import org.apache.spark.sql.streaming.Trigger;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * Market ticks streamed from a growing {@code .npy} into per-second aggregates, kept in another {@code .npy} that
 * grows while the stream runs and that NumPy (or a training job's {@code np.memmap}) can open at any moment.
 *
 * <p>A producer thread (plain Java, no Python) emits ten ticks a second of event time and appends them, a batch at
 * a time, to {@code ticks.npy} with this connector's batch append ({@code mode("append")}, {@code singleFile}),
 * which writes the rows past the old data and then rewrites the header's shape in place. A streaming query tails
 * that file ({@code readStream.format("npy")}: the rows its header counts), counts and averages the ticks per
 * second of event time (a window is final once the watermark passes it), and appends each micro-batch's finished
 * seconds to {@code per-second.npy} with the npy sink ({@code singleFile}). Meanwhile the main thread reads the
 * sink back with this connector as it grows.
 *
 * <p>Usage: {@code StreamingTicks [outputDir] [appends] [ticksPerAppend]}.
 */
public final class StreamingTicks {
  /** Event time of the first tick: 2026-01-01T00:00:00Z. */
  static final long START_MILLIS = 1_767_225_600_000L;
  /** Ten ticks a second of event time. */
  static final long TICK_MILLIS = 100;
  private static final StructType TICK = new StructType().add("t", DataTypes.LongType, false)
      .add("price", DataTypes.DoubleType, false);

  private StreamingTicks() {}

  public static void main(String[] args) throws Exception {
    Path out = Paths.get(args.length > 0 ? args[0] : "target/streaming-ticks").toAbsolutePath();
    int appends = args.length > 1 ? Integer.parseInt(args[1]) : 20;
    int ticksPerAppend = args.length > 2 ? Integer.parseInt(args[2]) : 50;
    Path ticks = out.resolve("ticks.npy");
    Path perSecond = out.resolve("per-second.npy");
    deleteRecursively(out);
    Files.createDirectories(out);

    SparkSession spark = ExampleSession.start("spark-memmap StreamingTicks");
    try {
      appendTicks(spark, ticks, 0, ticksPerAppend); // the stream takes its schema from the file when loaded
      StreamingQuery query = spark.readStream().format("npy").option("maxRowsPerTrigger", ticksPerAppend)
          .load(ticks.toString())
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

      FutureTask<Void> producer = new FutureTask<>(() -> produce(spark, ticks, appends, ticksPerAppend));
      new Thread(producer, "tick-producer").start();
      // read the sink while ticks arrive and while the query catches up with them
      long shown = 0;
      while (!producer.isDone() || query.status().isDataAvailable() || query.status().isTriggerActive()) {
        shown = show(spark, perSecond, shown);
        Thread.sleep(300);
      }
      producer.get(); // a failed append fails the example
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

  /** Appends the ticks of batches {@code 1..appends-1} to {@code ticks} as they arrive (batch 0 is there). */
  private static Void produce(SparkSession spark, Path ticks, int appends, int ticksPerAppend)
      throws InterruptedException {
    for (int batch = 1; batch < appends; batch++) {
      Thread.sleep(400); // ticks arrive over time, and the sink grows meanwhile
      appendTicks(spark, ticks, (long) batch * ticksPerAppend, ticksPerAppend);
    }
    return null;
  }

  /**
   * Appends ticks {@code [first, first + n)} to {@code ticks} in place, or creates it: a structured array of
   * {@code t} (event time, epoch milliseconds) and {@code price}.
   */
  private static void appendTicks(SparkSession spark, Path ticks, long first, int n) {
    List<Row> rows = new ArrayList<>(n);
    for (long k = first; k < first + n; k++) {
      rows.add(RowFactory.create(START_MILLIS + k * TICK_MILLIS, price(k)));
    }
    spark.createDataFrame(rows, TICK).write().format("npy").mode("append").option("singleFile", "true")
        .save(ticks.toString());
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
