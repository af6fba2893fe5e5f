package io.sparkmemmap.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.sparkmemmap.Python;
import io.sparkmemmap.it.harness.ItEnvironment;
import io.sparkmemmap.it.harness.MiniHdfs;
import io.sparkmemmap.it.harness.MiniHdfsExtension;
import io.sparkmemmap.it.harness.SparkSessions;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A ragged array written to a real HDFS from several tasks: the parts staged on HDFS, the index parts shifted into
 * new files beside them by a Spark job, both files joined behind their headers by the namenode; an append from
 * more tasks; NumPy reads the pair copied out of HDFS row for row, and the ragged source reads it from HDFS.
 */
@ExtendWith(MiniHdfsExtension.class)
class RaggedHdfsTest {
  private static SparkSession spark;

  @BeforeAll
  static void setUp(MiniHdfs hdfs) {
    spark = SparkSessions.local("RaggedHdfsTest", hdfs.sparkConf());
  }

  @AfterAll
  static void stopSpark() {
    if (spark != null) {
      spark.stop();
    }
  }

  /** Row i: {@code i % 7} copies of i as int, in {@code partitions} partitions. */
  private static Dataset<Row> rows(long from, long to, int partitions) {
    return spark.range(from, to, 1, partitions)
        .selectExpr("array_repeat(cast(id AS int), cast(id % 7 AS int)) AS value");
  }

  @Test
  void onePairOnHdfsFromManyTasks(MiniHdfs hdfs) throws Exception {
    String target = hdfs.url("/ragged/tokens");
    rows(0, 200_000, 4).write().format("ragged").save(target);
    rows(200_000, 230_000, 3).write().format("ragged").mode("append").save(target);

    FileSystem fs = hdfs.fileSystem();
    org.apache.hadoop.fs.Path dir = new org.apache.hadoop.fs.Path(target);
    List<String> names = Arrays.stream(fs.listStatus(dir)).map(FileStatus::getPath)
        .map(org.apache.hadoop.fs.Path::getName).sorted().toList();
    assertEquals(List.of("data.npy", "index.npy"), names);
    assertFalse(Arrays.stream(fs.listStatus(dir.getParent()))
        .anyMatch(s -> s.getPath().getName().startsWith(".tokens.spark-memmap-")), "staging left on HDFS");

    Path local = ItEnvironment.workDir("ragged-hdfs").resolve("tokens");
    fs.copyToLocalFile(false, dir, new org.apache.hadoop.fs.Path(local.toUri()), true);
    String checked = Python.run(String.join("\n",
        "d = " + Python.literal(local),
        "data, index = np.load(d + '/data.npy'), np.load(d + '/index.npy')",
        "assert index.dtype == np.int64 and index.shape == (230000, 2), (index.dtype, index.shape)",
        "ids = np.arange(230000)",
        "assert (index[:, 1] == ids % 7).all()",
        "assert index[0, 0] == 0 and (index[1:, 0] == np.cumsum(index[:-1, 1])).all()",
        "assert len(data) == (ids % 7).sum()",
        "for i in range(0, 230000, 997):",
        "    s, l = index[i]",
        "    assert (data[s:s + l] == i).all(), i",
        "print('ok')")).strip();
    assertEquals("ok", checked);

    Row sums = spark.read().format("ragged").load(target)
        .selectExpr("count(*)", "sum(_length)", "sum(aggregate(value, 0L, (a, x) -> a + x))").first();
    long expectedLength = 0;
    long expectedSum = 0;
    for (long i = 0; i < 230_000; i++) {
      expectedLength += i % 7;
      expectedSum += i * (i % 7);
    }
    assertEquals(230_000L, sums.getLong(0));
    assertEquals(expectedLength, sums.getLong(1));
    assertEquals(expectedSum, sums.getLong(2));
  }
}
