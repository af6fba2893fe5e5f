package io.sparkmemmap.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.sparkmemmap.MegatronPython;
import io.sparkmemmap.it.harness.ItEnvironment;
import io.sparkmemmap.it.harness.MiniHdfs;
import io.sparkmemmap.it.harness.MiniHdfsExtension;
import io.sparkmemmap.it.harness.SparkSessions;
import io.sparkmemmap.write.MegatronMerge;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.apache.hadoop.fs.FileSystem;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.execution.QueryExecution;
import org.apache.spark.sql.execution.datasources.v2.V2ExistingTableWriteExec;
import org.apache.spark.sql.util.QueryExecutionListener;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Megatron pairs on a real HDFS: shards written from several tasks (the parts joined by the namenode), then merged
 * into one pair by the shard merge (each task copies its piece of the {@code .bin} into a staged part on HDFS, the
 * namenode joins them) and appended to by another merge; each pair, copied out, passes the strict validator and
 * equals the pair Megatron's merge makes of the same shards in NumPy.
 */
@ExtendWith(MiniHdfsExtension.class)
class MegatronHdfsTest {
  private static SparkSession spark;
  private static volatile int merges;

  @BeforeAll
  static void setUp(MiniHdfs hdfs) {
    spark = SparkSessions.local("MegatronHdfsTest", hdfs.sparkConf());
    spark.listenerManager().register(new QueryExecutionListener() {
      @Override
      public void onSuccess(String funcName, QueryExecution qe, long durationNs) {
        if (qe.executedPlan() instanceof V2ExistingTableWriteExec write && write.write() instanceof MegatronMerge) {
          merges++;
        }
      }

      @Override
      public void onFailure(String funcName, QueryExecution qe, Exception exception) {}
    });
  }

  @AfterAll
  static void stopSpark() {
    if (spark != null) {
      spark.stop();
    }
  }

  /** Sequence i: {@code i % 9} tokens from i, document i / 4. */
  private static Dataset<Row> rows(long from, long to, int partitions) {
    return spark.range(from, to, 1, partitions).selectExpr(
        "transform(array_repeat(0, cast(id % 9 AS int)), (x, i) -> cast((id + i) % 65536 AS int)) AS tokens",
        "id div 4 AS document");
  }

  @Test
  void shardsOnHdfsMergeIntoOnePair(MiniHdfs hdfs) throws Exception {
    rows(0, 30_000, 3).write().format("megatron").option("dtype", "uint16").save(hdfs.url("/shards/a"));
    rows(30_000, 50_000, 2).write().format("megatron").option("dtype", "uint16").save(hdfs.url("/shards/b"));
    Dataset<Row> shards = spark.read().format("megatron").load(hdfs.url("/shards/*"));
    shards.write().format("megatron").save(hdfs.url("/out/merged"));
    shards.write().format("megatron").mode("append").save(hdfs.url("/out/merged"));
    spark.sparkContext().listenerBus().waitUntilEmpty();
    assertEquals(2, merges, "both writes ran as the shard merge");

    FileSystem fs = hdfs.fileSystem();
    assertFalse(Arrays.stream(fs.listStatus(new org.apache.hadoop.fs.Path(hdfs.url("/out"))))
        .anyMatch(s -> s.getPath().getName().startsWith(".")), "staging left on HDFS");
    Path local = ItEnvironment.workDir("megatron-hdfs");
    Files.createDirectories(local);
    for (String name : new String[] {"shards/a", "shards/b", "out/merged"}) {
      for (String suffix : new String[] {".bin", ".idx"}) {
        fs.copyToLocalFile(false, new org.apache.hadoop.fs.Path(hdfs.url("/" + name + suffix)),
            new org.apache.hadoop.fs.Path(local.resolve(name.replace('/', '_') + suffix).toUri()), true);
      }
    }
    String checked = MegatronPython.run(local, String.join("\n",
        "merge(['shards_a', 'shards_b', 'shards_a', 'shards_b'], 'numpy')",
        "validate('out_merged')",
        "assert open('out_merged.bin', 'rb').read() == open('numpy.bin', 'rb').read()",
        "assert open('out_merged.idx', 'rb').read() == open('numpy.idx', 'rb').read()",
        "print(len(validate('out_merged')[1]))")).strip();
    assertEquals("100000", checked);
  }
}
