package io.sparkmemmap.benchmarks;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.Map;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.statistics.IOStatisticsSupport;
import org.apache.spark.sql.SparkSession;

/**
 * What the S3 server has sent so far, and what a session's S3A client counted. The bytes served are the bytes the
 * server's process wrote ({@code wchar} of {@code /proc/<pid>/io}: its responses, as it logs only warnings), a
 * count no client statistic can miss: S3A's own counts of bytes leave out what Hadoop 3.5's default input stream
 * (the analytics stream of AWS's Analytics Accelerator Library) reads through vectored reads, Parquet's way of
 * reading column chunks. From S3A's statistics: the bytes its streams handed to their readers, the streams opened,
 * the HEAD and LIST requests. On {@code local[2]} one cached client serves the driver and the executors; a stream
 * adds its counts to the client's when it closes, which every task's streams have done when its query returns.
 */
record S3Traffic(long bytesServed, long bytesRead, long streamsOpened, long heads, long lists) {
  /** The session's S3A client for {@code bucketUrl}, the one Spark's tasks and planning use. */
  static FileSystem client(SparkSession spark, String bucketUrl) throws IOException {
    return FileSystem.get(URI.create(bucketUrl), spark.sessionState().newHadoopConf());
  }

  static S3Traffic of(SparkSession spark, String bucketUrl, long serverPid) throws IOException {
    Map<String, Long> counters = IOStatisticsSupport.retrieveIOStatistics(client(spark, bucketUrl)).counters();
    return new S3Traffic(bytesWritten(serverPid), counter(counters, "stream_read_bytes"),
        counter(counters, "stream_read_opened"), counter(counters, "action_http_head_request"),
        counter(counters, "object_list_request"));
  }

  private static long bytesWritten(long pid) throws IOException {
    for (String line : Files.readAllLines(Paths.get("/proc", Long.toString(pid), "io"))) {
      if (line.startsWith("wchar:")) {
        return Long.parseLong(line.substring("wchar:".length()).trim());
      }
    }
    throw new IllegalStateException("no wchar in /proc/" + pid + "/io");
  }

  private static long counter(Map<String, Long> counters, String name) {
    Long value = counters.get(name);
    if (value == null) {
      throw new IllegalStateException("S3A does not count " + name + " here: " + counters.keySet());
    }
    return value;
  }

  /** What happened since {@code before}. */
  S3Traffic since(S3Traffic before) {
    return new S3Traffic(bytesServed - before.bytesServed, bytesRead - before.bytesRead,
        streamsOpened - before.streamsOpened, heads - before.heads, lists - before.lists);
  }
}
