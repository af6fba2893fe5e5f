package io.sparkmemmap.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkmemmap.it.harness.ItEnvironment;
import io.sparkmemmap.it.harness.S3Server;
import io.sparkmemmap.it.harness.S3ServerExtension;
import io.sparkmemmap.it.harness.SparkSessions;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Ragged arrays and Megatron pairs read from a real S3 server (S3Proxy on 127.0.0.1) through S3A equal the local
 * reads of the same files, and their tasks open the index and data objects from the statuses planning got, without
 * a HEAD request (S3A's default input stream asks for an object's status before its first read when opened by path
 * and length alone).
 */
@ExtendWith(S3ServerExtension.class)
class S3RecordsReadTest {
  /** Bytes per task: the files below make about ten tasks each. */
  private static final String PARTITION_BYTES = Integer.toString(256 << 10);
  private static SparkSession spark;
  private static Path local;

  @BeforeAll
  static void setUp(S3Server s3) {
    spark = SparkSessions.local("S3RecordsReadTest", s3.sparkConf());
    local = ItEnvironment.workDir("s3-records");
  }

  @AfterAll
  static void stopSpark() {
    if (spark != null) {
      spark.stop();
    }
  }

  @Test
  void raggedTasksOpenTheirObjectsWithoutHead(S3Server s3) throws Exception {
    Path dir = local.resolve("ragged");
    spark.range(0, 300_000, 1, 3).selectExpr("array_repeat(cast(id AS int), cast(id % 7 AS int)) AS value")
        .write().format("ragged").save(dir.toUri().toString());
    for (String name : List.of("data.npy", "index.npy")) {
      s3.upload(dir.resolve(name), "records/ragged/" + name);
    }
    assertReadsAsLocalWithoutHeadInTasks(s3, "ragged", dir.toUri().toString(), s3.url("records/ragged"));
  }

  @Test
  void megatronTasksOpenTheirObjectsWithoutHead(S3Server s3) throws Exception {
    Path dir = local.resolve("megatron");
    spark.range(0, 300_000, 1, 3).selectExpr(
            "transform(array_repeat(0, cast(id % 9 AS int)), (x, i) -> cast((id + i) % 65536 AS int)) AS tokens",
            "id div 4 AS document")
        .write().format("megatron").option("dtype", "uint16").save(dir.resolve("pair").toUri().toString());
    for (String suffix : List.of(".bin", ".idx")) {
      s3.upload(dir.resolve("pair" + suffix), "records/megatron/pair" + suffix);
    }
    assertReadsAsLocalWithoutHeadInTasks(s3, "megatron", dir.resolve("pair").toUri().toString(),
        s3.url("records/megatron/pair"));
  }

  /**
   * The rows read at {@code remote} equal those at {@code localPath} (by a fingerprint of each row), over several
   * tasks; the only HEAD requests are planning's, for the statuses of the path (S3A probes an object and a directory
   * marker: two) and of the two objects, and the tasks make none. (Opened by path and length, S3A's stream asks for an object's status first, once per object
   * in each JVM, which caches it.)
   */
  private static void assertReadsAsLocalWithoutHeadInTasks(S3Server s3, String format, String localPath,
      String remote) throws IOException {
    long expected = fingerprint(spark.read().format(format).load(localPath).toJavaRDD());
    Map<String, Long> before = storeCounters(s3);
    JavaRDD<Row> read = spark.read().format(format).option("maxPartitionBytes", PARTITION_BYTES).load(remote)
        .toJavaRDD();
    int tasks = read.getNumPartitions();
    Map<String, Long> planned = storeCounters(s3);
    long actual = fingerprint(read);
    Map<String, Long> after = storeCounters(s3);

    assertEquals(expected, actual, format + " rows read from S3 and from local disk");
    assertTrue(tasks >= 4, "tasks reading " + remote + ": " + tasks);
    assertTrue(after.get("action_file_opened") > planned.get("action_file_opened"), "the tasks opened objects");
    long planning = planned.get("action_http_head_request") - before.get("action_http_head_request");
    assertTrue(planning <= 4, planning + " HEAD requests to plan " + remote + ": more than the path's and the two "
        + "objects' statuses");
    assertEquals(planned.get("action_http_head_request"), after.get("action_http_head_request"),
        "HEAD requests of the " + tasks + " tasks reading " + remote);
  }

  /** The sum of the hashes of the rows' texts: equal for the same rows in any order. */
  private static long fingerprint(JavaRDD<Row> rows) {
    return rows.map(row -> (long) row.toString().hashCode()).reduce(Long::sum);
  }

  private static Map<String, Long> storeCounters(S3Server s3) throws IOException {
    org.apache.hadoop.fs.FileSystem fs = org.apache.hadoop.fs.FileSystem.get(java.net.URI.create(s3.url("")),
        spark.sessionState().newHadoopConf());
    return new java.util.TreeMap<>(org.apache.hadoop.fs.statistics.IOStatisticsSupport.retrieveIOStatistics(fs)
        .counters());
  }
}
