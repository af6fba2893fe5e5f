package io.sparkmemmap.benchmarks;

import java.io.IOException;
import java.net.URI;
import java.util.Map;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.statistics.IOStatisticsSupport;
import org.apache.spark.sql.SparkSession;

/**
 * What a session's S3A client has read from the store so far, as S3A's statistics of the client count it: the bytes
 * its input streams handed to their readers, the bytes Hadoop 3.5's default input stream (the analytics stream of
 * AWS's Analytics Accelerator Library) prefetched, the streams opened, and the HEAD and LIST requests. On
 * {@code local[2]} one cached client serves the driver and the executors; a stream adds its counts to the client's
 * when it closes, which every task's streams have done when its query returns.
 */
record S3Traffic(long bytesRead, long bytesPrefetched, long streamsOpened, long heads, long lists) {
  /** The session's S3A client for {@code bucketUrl}, the one Spark's tasks and planning use. */
  static FileSystem client(SparkSession spark, String bucketUrl) throws IOException {
    return FileSystem.get(URI.create(bucketUrl), spark.sessionState().newHadoopConf());
  }

  static S3Traffic of(SparkSession spark, String bucketUrl) throws IOException {
    Map<String, Long> counters = IOStatisticsSupport.retrieveIOStatistics(client(spark, bucketUrl)).counters();
    return new S3Traffic(counter(counters, "stream_read_bytes"), counter(counters, "stream_read_prefetched_bytes"),
        counter(counters, "stream_read_opened"), counter(counters, "action_http_head_request"),
        counter(counters, "object_list_request"));
  }

  private static long counter(Map<String, Long> counters, String name) {
    Long value = counters.get(name);
    if (value == null) {
      throw new IllegalStateException("S3A does not count " + name + " here: " + counters.keySet());
    }
    return value;
  }

  /** What was read since {@code before}. */
  S3Traffic since(S3Traffic before) {
    return new S3Traffic(bytesRead - before.bytesRead, bytesPrefetched - before.bytesPrefetched,
        streamsOpened - before.streamsOpened, heads - before.heads, lists - before.lists);
  }
}
