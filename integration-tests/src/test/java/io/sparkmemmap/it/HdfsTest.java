package io.sparkmemmap.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkmemmap.Python;
import io.sparkmemmap.it.harness.ItEnvironment;
import io.sparkmemmap.it.harness.MiniHdfs;
import io.sparkmemmap.it.harness.MiniHdfsExtension;
import io.sparkmemmap.it.harness.SparkSessions;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.LongStream;
import org.apache.hadoop.fs.BlockLocation;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.spark.rdd.RDD;
import org.apache.spark.scheduler.TaskLocation;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import scala.jdk.javaapi.CollectionConverters;

/**
 * A real HDFS (MiniDFSCluster) under Spark: plain text written and read back, and the connector reading a
 * NumPy-made file from it like from local disk, with partitions that prefer the datanodes holding their bytes.
 */
@ExtendWith(MiniHdfsExtension.class)
class HdfsTest {
  /** 200 000 structured rows of 24 bytes: 4.6 MiB, five blocks of {@link MiniHdfs#BLOCK_SIZE}. */
  private static final String MAKE_STRUCTURED = "n = 200_000\n"
      + "a = np.zeros(n, dtype=[('id', '<i8'), ('x', '<f4'), ('y', '<f8'), ('flag', '?'), ('c', 'S3')])\n"
      + "a['id'] = np.arange(n)\n"
      + "a['x'] = np.arange(n, dtype='<f4') / 7\n"
      + "a['y'] = np.sqrt(np.arange(n))\n"
      + "a['flag'] = np.arange(n) % 3 == 0\n"
      + "a['c'] = [b'abc', b'de', b''] * (n // 3) + [b'abc', b'de', b''][: n % 3]\n"
      + "np.save(path, a)\n"
      + "f = open(path, 'rb'); np.lib.format.read_magic(f); np.lib.format.read_array_header_1_0(f)\n"
      + "print(f.tell(), a.dtype.itemsize)\n";

  private static SparkSession spark;
  private static Path localFile;
  private static String hdfsFile;
  private static long headerLength;
  private static long itemSize;

  @BeforeAll
  static void setUp(MiniHdfs hdfs) throws Exception {
    spark = SparkSessions.local("HdfsTest", hdfs.sparkConf());
    localFile = ItEnvironment.workDir("hdfs-npy").resolve("structured.npy");
    String[] layout = Python.run("path = " + Python.literal(localFile) + "\n" + MAKE_STRUCTURED).trim().split(" ");
    headerLength = Long.parseLong(layout[0]);
    itemSize = Long.parseLong(layout[1]);
    hdfsFile = hdfs.url("/arrays/structured.npy");
    hdfs.fileSystem().copyFromLocalFile(new org.apache.hadoop.fs.Path(localFile.toUri()),
        new org.apache.hadoop.fs.Path(hdfsFile));
  }

  @AfterAll
  static void stopSpark() {
    if (spark != null) {
      spark.stop();
    }
  }

  @Test
  void numpyFileOnHdfsReadsAsFromLocalDisk() {
    Dataset<Row> fromHdfs = spark.read().format("npy").option("maxPartitionBytes", "1048576").load(hdfsFile);
    Dataset<Row> fromDisk = spark.read().format("npy").load(localFile.toString());

    assertEquals(fromDisk.schema(), fromHdfs.schema());
    assertTrue(fromHdfs.rdd().getNumPartitions() > 1, "several partitions over the blocks");
    assertEquals(200_000, fromHdfs.count());
    assertSameRows(fromDisk, fromHdfs, hdfsFile);
    assertSameRows(fromDisk, fromHdfs, hdfsFile + ", read again (the local file through kept mappings)");
    Row last = fromHdfs.selectExpr("max(id)", "max(_row_index)").first();
    assertEquals(199_999L, last.getLong(0), "max(id)");
    assertEquals(199_999L, last.getLong(1), "max(_row_index)");
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
        .as(Encoders.LONG()).collectAsList();
    assertEquals(expected, readBySpark, "what Spark reads back");
  }

  @Test
  void writesToHdfsAndReadsBack(MiniHdfs hdfs) throws Exception {
    Dataset<Row> source = spark.read().format("npy").load(localFile.toString());
    String parts = hdfs.url("/written/parts");
    String single = hdfs.url("/written/single.npy");

    source.write().format("npy").save(parts);
    source.write().format("npy").option("singleFile", "true").save(single);

    FileSystem fs = hdfs.fileSystem();
    assertTrue(fs.exists(new org.apache.hadoop.fs.Path(parts, "_SUCCESS")), "_SUCCESS in " + parts);
    assertTrue(fs.getFileStatus(new org.apache.hadoop.fs.Path(single)).isFile(), single + " is one file");
    for (String written : List.of(parts, single)) {
      assertSameRows(source, spark.read().format("npy").load(written).select("id", "x", "y", "flag", "c"), written);
    }

    Path copied = ItEnvironment.workDir("hdfs-npy-written").resolve("single.npy");
    fs.copyToLocalFile(new org.apache.hadoop.fs.Path(single), new org.apache.hadoop.fs.Path(copied.toUri()));
    Python.run("a = np.sort(np.load(" + Python.literal(copied) + ", mmap_mode='r'), order='id')\n"
        + "b = np.load(" + Python.literal(localFile) + ")\n"
        + "assert a.dtype == b.dtype, (a.dtype, b.dtype)\n"
        + "assert (a == b).all()\n");
  }

  /**
   * A single file on HDFS is joined from the tasks' parts by the namenode, not copied through the driver: its blocks
   * are the header's and each part's own, where a copy would have filled one block, and NumPy reads it whole.
   */
  @Test
  void singleFileIsJoinedFromThePartsWithoutACopy(MiniHdfs hdfs) throws Exception {
    long perPartition = 10_000;
    String single = hdfs.url("/joined/ids.npy");

    // four partitions of 10 000 ids, the second filtered out: an empty partition between parts with rows
    spark.range(0, 4 * perPartition, 1, 4).where("id < 10000 OR id >= 20000").write().format("npy")
        .option("singleFile", "true").save(single);

    FileSystem fs = hdfs.fileSystem();
    org.apache.hadoop.fs.Path file = new org.apache.hadoop.fs.Path(single);
    Path copied = ItEnvironment.workDir("hdfs-npy-joined").resolve("ids.npy");
    fs.copyToLocalFile(file, new org.apache.hadoop.fs.Path(copied.toUri()));
    long headerLength = Long.parseLong(Python.run("a = np.load(" + Python.literal(copied) + ", mmap_mode='r')\n"
        + "expected = np.concatenate([np.arange(0, 10000), np.arange(20000, 40000)])\n"
        + "assert a.dtype == np.dtype('<i8') and a.shape == expected.shape, (a.dtype, a.shape)\n"
        + "assert (a == expected).all()\n"
        + "print(a.offset)\n").trim());

    long partLength = perPartition * Long.BYTES;
    List<Long> blockLengths = Arrays.stream(fs.getFileBlockLocations(file, 0, Long.MAX_VALUE))
        .map(BlockLocation::getLength).toList();
    assertEquals(List.of(headerLength, partLength, partLength, partLength), blockLengths,
        "blocks of " + single + ": the header's, then those of the three parts with rows");
    assertEquals(List.of(file.getName()), Arrays.stream(fs.listStatus(file.getParent()))
        .map(status -> status.getPath().getName()).toList(), "what the write left in " + file.getParent());
  }

  /** The same rows, as many times each: the counts agree and no row of {@code actual} is extra. */
  private static void assertSameRows(Dataset<Row> expected, Dataset<Row> actual, String what) {
    assertEquals(expected.count(), actual.count(), "rows in " + what);
    assertEquals(0, actual.exceptAll(expected).count(), "rows of " + what + " that should not be there");
  }

  /**
   * Each input partition prefers the datanodes holding its bytes: among the hosts of the blocks it overlaps, and
   * including the one that holds most of them (its byte range follows from the rows it returns).
   */
  @Test
  void partitionsPreferTheDatanodesOfTheirBlocks(MiniHdfs hdfs) throws Exception {
    List<BlockLocation> blocks = List.of(hdfs.fileSystem().getFileBlockLocations(
        new org.apache.hadoop.fs.Path(hdfsFile), 0, Long.MAX_VALUE));
    assertTrue(blocks.size() >= 4, "the file spans several blocks: " + blocks);

    Dataset<Row> rowIndexes = spark.read().format("npy").option("maxPartitionBytes", "1048576").load(hdfsFile)
        .select("_row_index");
    RDD<Row> rdd = rowIndexes.rdd();
    List<long[]> rowRanges = rowIndexes.javaRDD().mapPartitionsWithIndex((partition, rows) -> {
      long min = Long.MAX_VALUE;
      long max = -1;
      while (rows.hasNext()) {
        long row = rows.next().getLong(0);
        min = Math.min(min, row);
        max = Math.max(max, row);
      }
      return List.of(new long[] {partition, min, max}).iterator();
    }, true).collect();

    Set<String> preferredAnywhere = new TreeSet<>();
    for (long[] range : rowRanges) {
      int partition = (int) range[0];
      if (range[2] < 0) {
        continue;
      }
      long start = headerLength + range[1] * itemSize;
      long end = headerLength + (range[2] + 1) * itemSize;
      Map<String, Long> bytesOnHost = new HashMap<>();
      for (BlockLocation block : blocks) {
        long overlap = Math.min(end, block.getOffset() + block.getLength()) - Math.max(start, block.getOffset());
        if (overlap > 0) {
          for (String host : block.getHosts()) {
            bytesOnHost.merge(host, overlap, Long::sum);
          }
        }
      }
      List<String> preferred = new ArrayList<>();
      for (TaskLocation location : CollectionConverters.asJava(
          spark.sparkContext().getPreferredLocs(rdd, partition))) {
        preferred.add(location.host());
      }
      String mostBytes = bytesOnHost.entrySet().stream().max(Map.Entry.comparingByValue()).orElseThrow().getKey();
      String where = "partition " + partition + " (bytes " + start + ".." + end + ", per host " + bytesOnHost
          + ") prefers " + preferred;
      assertFalse(preferred.isEmpty(), where);
      assertTrue(bytesOnHost.keySet().containsAll(preferred), where);
      assertTrue(preferred.contains(mostBytes), where);
      preferredAnywhere.addAll(preferred);
    }
    Set<String> holding = new TreeSet<>();
    for (BlockLocation block : blocks) {
      holding.addAll(List.of(block.getHosts()));
    }
    assertEquals(holding, preferredAnywhere, "every datanode holding blocks is preferred by some partition");
  }
}
