package io.sparkmemmap.it.jobs;

import static org.apache.spark.sql.functions.col;

import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.streaming.Trigger;

/**
 * A streaming query from Spark's text file source (one input file per micro-batch, a number a line) into the npy
 * sink, run with {@code Trigger.AvailableNow}: it takes up where its checkpoint left off, writes every input file
 * not committed yet, and ends.
 *
 * <p>Usage: {@code StreamingSinkJob <input dir> <output path> <checkpoint dir> <singleFile>}.
 */
public final class StreamingSinkJob {
  private StreamingSinkJob() {}

  public static void main(String[] args) throws Exception {
    SparkSession spark = SparkSession.builder().appName("StreamingSinkJob").getOrCreate();
    try {
      spark.readStream().option("maxFilesPerTrigger", "1").text(args[0])
          .select(col("value").cast("long").as("value"))
          .writeStream().format("npy")
          .option("checkpointLocation", args[2])
          .option("singleFile", args[3])
          .trigger(Trigger.AvailableNow())
          .start(args[1])
          .awaitTermination();
    } finally {
      spark.stop();
    }
  }
}
