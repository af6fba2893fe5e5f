package io.sparkmemmap.read;

import org.apache.hadoop.conf.Configuration;
import org.apache.spark.SparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.util.SerializableConfiguration;

/**
 * The Hadoop configuration an input was listed with, broadcast for tasks to open its files with: once per input
 * and Spark context, not per query. (Broadcasting it anew took about a tenth of a query that reads a few rows.)
 */
final class ConfBroadcast {
  private final Configuration conf;
  private Broadcast<SerializableConfiguration> broadcast;
  private SparkContext context;

  ConfBroadcast(Configuration conf) {
    this.conf = conf;
  }

  synchronized Broadcast<SerializableConfiguration> get() {
    SparkContext active = ((org.apache.spark.sql.classic.SparkSession) SparkSession.active()).sparkContext();
    if (broadcast == null || context != active) {
      broadcast = SerializableConfiguration.broadcast(active, conf);
      context = active;
    }
    return broadcast;
  }
}
