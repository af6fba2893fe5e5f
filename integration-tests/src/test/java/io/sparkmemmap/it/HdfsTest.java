package io.sparkmemmap.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkmemmap.it.harness.ItEnvironment;
import io.sparkmemmap.it.harness.MiniHdfs;
import io.sparkmemmap.it.harness.MiniHdfsExtension;
import io.sparkmemmap.it.harness.Python;
import io.sparkmemmap.it.harness.SparkSessions;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.LongStream;
import org.apache.hadoop.fs.BlockLocation;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocatedFileStatus;
import org.apache.hadoop.fs.RemoteIterator;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The HDFS harness, proven with plain Spark: text and a NumPy-made file through a real MiniDFSCluster. */
@ExtendWith(MiniHdfsExtension.class)
class HdfsTest {
  private static SparkSession spark;

  @BeforeAll
  static void startSpark(MiniHdfs hdfs) {
    spark = SparkSessions.local("HdfsTest", hdfs.sparkConf());
  }

  @AfterAll
  static void stopSpark() {
    if (spark != null) {
      spark.stop();
    }
  }

  @Test
  void sparkWritesAndReadsTextOnHdfs(MiniHdfs hdfs) throws Exception {
    long rows = 50_000;
    String dir = hdfs.url("/text/numbers");

    spark.range(0, rows, 1, 3).selectExpr("CAST(id AS STRING)").write().text(dir);

    FileSystem fs = hdfs.fileSystem();
    org.apache.hadoop.fs.Path hadoopDir = new org.apache.hadoop.fs.Path(dir);
    assertTrue(fs.exists(new org.apache.hadoop.fs.Path(hadoopDir, "_SUCCESS")), "_SUCCESS on HDFS");
    List<Long> readByHdfsClient = new ArrayList<>();
    for (FileStatus part : fs.listStatus(hadoopDir, path -> path.getName().startsWith("part-"))) {
      try (BufferedReader in = new BufferedReader(
          new InputStreamReader(fs.open(part.getPath()), StandardCharsets.UTF_8))) {
        in.lines().map(Long::parseLong).forEach(readByHdfsClient::add);
      }
    }
    readByHdfsClient.sort(null);
    List<Long> expected = LongStream.range(0, rows).boxed().collect(Collectors.toList());
    assertEquals(expected, readByHdfsClient, "what the HDFS client reads from Spark's output");

    List<Long> readBySpark = spark.read().text(dir).selectExpr("CAST(value AS BIGINT)").orderBy("value")
        .as(org.apache.spark.sql.Encoders.LONG()).collectAsList();
    assertEquals(expected, readBySpark, "what Spark reads back");
  }

  @Test
  void numpyFileKeepsItsBytesThroughHdfsAndSpark(MiniHdfs hdfs) throws Exception {
    Path local = ItEnvironment.workDir("hdfs-numpy-bytes");
    Path made = local.resolve("made.npy");
    // 3 MiB and a bit: several HDFS blocks.
    Python.run("import numpy as np, sys\n"
        + "a = (np.arange(100_000 * 4, dtype='<f8') * 0.5).reshape(100_000, 4)\n"
        + "np.save(sys.argv[1], a)\n", made);
    String remote = hdfs.url("/numpy/made.npy");
    FileSystem fs = hdfs.fileSystem();
    fs.copyFromLocalFile(new org.apache.hadoop.fs.Path(made.toUri()), new org.apache.hadoop.fs.Path(remote));

    List<BlockLocation> blocks = blockLocations(fs, remote);
    assertTrue(blocks.size() >= 3, "the file spans several blocks: " + blocks);
    for (BlockLocation block : blocks) {
      assertEquals(1, block.getHosts().length, "one replica: " + block);
      assertTrue(MiniHdfsExtension.DATANODE_HOSTS.contains(block.getHosts()[0]),
          "block hosts are the datanodes' names: " + block);
    }

    Row file = spark.read().format("binaryFile").load(remote).select("path", "length", "content").first();
    assertEquals(remote, file.getString(0));
    assertEquals(Files.size(made), file.getLong(1));
    byte[] content = (byte[]) file.get(2);
    assertArrayEquals(Files.readAllBytes(made), content, "bytes Spark read from HDFS");

    Path back = local.resolve("back.npy");
    Files.write(back, content);
    Python.run("import numpy as np, sys\n"
        + "a = np.load(sys.argv[1], mmap_mode='r')\n"
        + "assert a.shape == (100_000, 4) and a.dtype == np.dtype('<f8'), (a.shape, a.dtype)\n"
        + "assert np.array_equal(a, (np.arange(100_000 * 4, dtype='<f8') * 0.5).reshape(100_000, 4))\n", back);
  }

  private static List<BlockLocation> blockLocations(FileSystem fs, String file) throws Exception {
    RemoteIterator<LocatedFileStatus> files = fs.listLocatedStatus(new org.apache.hadoop.fs.Path(file));
    LocatedFileStatus status = files.next();
    return List.of(status.getBlockLocations());
  }
}
