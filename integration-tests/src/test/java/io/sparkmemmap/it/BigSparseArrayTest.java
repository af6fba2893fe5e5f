package io.sparkmemmap.it;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkmemmap.Python;
import io.sparkmemmap.it.harness.ItEnvironment;
import io.sparkmemmap.it.harness.SparkSubmitRun;
import io.sparkmemmap.it.harness.StandaloneCluster;
import io.sparkmemmap.it.harness.StandaloneClusterExtension;
import io.sparkmemmap.it.jobs.SparseScanJob;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A 3 GiB {@code .npy} (sparse on disk: a NumPy header, {@link RandomAccessFile#setLength}, a few known values)
 * read by an application submitted with spark-submit and the shaded jar: on {@code local[2]}, and on the
 * standalone cluster, where its byte ranges are split across both executors and each maps only its own: the input
 * partitions are disjoint row ranges that cover the array, and each task maps exactly its own partition's bytes.
 * The application writes the non-zero elements as one {@code .npy}, which NumPy checks.
 */
@ExtendWith(StandaloneClusterExtension.class)
class BigSparseArrayTest {
  private static final long MIB = 1 << 20;
  private static final long GIB = 1 << 30;
  /** 3 GiB of float64 and a bit more, so that the last partition is a short one. */
  private static final long ROWS = 3 * GIB / Double.BYTES + 12_345;
  /**
   * The non-zero elements: the ends, and both sides of each GiB, where a mapping window or a 2 GiB buffer limit
   * would split an element.
   */
  private static final long[] MARKED = {0, 1, GIB / 8 - 1, GIB / 8, 2 * GIB / 8 - 1, 2 * GIB / 8,
      2 * GIB / 8 + 1, 3 * GIB / 8 - 1, 3 * GIB / 8, ROWS - 2, ROWS - 1};
  private static final Duration LIMIT = Duration.ofMinutes(4);

  private static Path input;
  private static long dataBytes;

  @BeforeAll
  static void makeSparseInput() throws IOException {
    Path dir = ItEnvironment.workDir("big-sparse-input");
    input = dir.resolve("big.npy");
    long headerLength = Long.parseLong(Python.run("with open(" + Python.literal(input) + ", 'wb') as f:\n"
        + "    np.lib.format.write_array_header_1_0(\n"
        + "        f, {'descr': '<f8', 'fortran_order': False, 'shape': (" + ROWS + ",)})\n"
        + "    print(f.tell())\n").trim());
    dataBytes = ROWS * Double.BYTES;
    try (RandomAccessFile file = new RandomAccessFile(input.toFile(), "rw")) {
      file.setLength(headerLength + dataBytes);
      ByteBuffer value = ByteBuffer.allocate(Double.BYTES).order(ByteOrder.LITTLE_ENDIAN);
      for (long index : MARKED) {
        value.clear();
        value.putDouble(0, valueAt(index));
        file.getChannel().write(value, headerLength + index * Double.BYTES);
      }
    }
    // The input is what the test thinks it is, as NumPy sees it (reading only the marked pages).
    Python.run("a = np.load(" + Python.literal(input) + ", mmap_mode='r')\n"
        + "assert a.shape == (" + ROWS + ",) and a.dtype == np.dtype('<f8'), (a.shape, a.dtype)\n"
        + "marked = np.array([" + marked() + "], dtype=np.int64)\n"
        + "assert (a[marked] == marked + 0.5).all()\n"
        + "assert a[12345] == 0 and a[-3] == 0\n");
    assertTrue(Files.size(input) > 3 * GIB);
  }

  @Test
  void localMasterReadsAndWritesThroughTheShadedJar() throws Exception {
    Path dir = ItEnvironment.workDir("big-sparse-local");
    ScanResult result = submit(dir, "sparse-local", Map.of("spark.master", "local[2]"));

    result.assertOutputIsTheMarkedElements();
    result.assertEachTaskMappedOnlyItsOwnRows();
    assertEquals(List.of("driver"), result.scanExecutors(), "local mode runs the scan in the driver");
  }

  @Test
  void clusterSplitsTheFileAcrossBothExecutors(StandaloneCluster cluster) throws Exception {
    Path dir = ItEnvironment.workDir("big-sparse-cluster");
    ScanResult result = submit(dir, "sparse-cluster", cluster.applicationConf(List.of()));

    result.assertOutputIsTheMarkedElements();
    assertEquals(cluster.workerCount(), result.scanExecutors().size(),
        "the scan ran on every executor: " + result.scanExecutors());
    Map<String, Long> mappedByExecutor = result.bytesMappedByExecutor();
    assertAll(mappedByExecutor.entrySet().stream().map(mapped -> () -> assertTrue(
        mapped.getValue() > 0 && mapped.getValue() < dataBytes,
        "executor " + mapped.getKey() + " mapped only a part of the " + dataBytes + " data bytes: "
            + mappedByExecutor)));
    result.assertEachTaskMappedOnlyItsOwnRows();
  }

  private static ScanResult submit(Path dir, String name, Map<String, String> conf) throws Exception {
    Path output = dir.resolve("nonzero.npy");
    Path resultFile = dir.resolve("result.properties");
    SparkSubmitRun.named(name, dir)
        .conf(conf)
        .jars(ItEnvironment.connectorShadedJar())
        .application(ItEnvironment.jobsJar(), SparseScanJob.class.getName(),
            input.toString(), output.toString(), resultFile.toString())
        .runSuccessfully(LIMIT);
    Properties reported = JobResults.read(resultFile);
    return new ScanResult(RecordedTasks.of(reported), PartitionRows.of(reported), output);
  }

  private static double valueAt(long index) {
    return index + 0.5;
  }

  private static String marked() {
    return Arrays.stream(MARKED).mapToObj(Long::toString).collect(Collectors.joining(","));
  }

  /** The rows of one input partition: {@code first..last}, {@code count} of them. */
  private record PartitionRows(long first, long last, long count) {
    private static final Pattern KEY = Pattern.compile("partition\\.(\\d+)\\.rows");

    /** Each partition's rows as {@link SparseScanJob} reported them, by partition. */
    static SortedMap<Integer, PartitionRows> of(Properties reported) {
      SortedMap<Integer, PartitionRows> partitions = new TreeMap<>();
      for (String key : reported.stringPropertyNames()) {
        Matcher partition = KEY.matcher(key);
        if (partition.matches()) {
          long[] rows = Arrays.stream(reported.getProperty(key).split(",")).mapToLong(Long::parseLong).toArray();
          partitions.put(Integer.parseInt(partition.group(1)), new PartitionRows(rows[0], rows[1], rows[2]));
        }
      }
      return partitions;
    }
  }

  /** What {@link SparseScanJob} reported and wrote. */
  private record ScanResult(RecordedTasks tasks, SortedMap<Integer, PartitionRows> partitions, Path output) {
    /** The executors that ran tasks of the scan (those that reported mapping bytes). */
    List<String> scanExecutors() {
      return List.copyOf(bytesMappedByExecutor().keySet());
    }

    Map<String, Long> bytesMappedByExecutor() {
      return tasks.sumByExecutor(SparseScanJob.BYTES_MAPPED);
    }

    /**
     * The input partitions hold the rows once each, in order: each starts where the one before ended. Each task of
     * the write ran one partition and mapped exactly the bytes of that partition's rows, none of another's.
     */
    void assertEachTaskMappedOnlyItsOwnRows() {
      String seen = "partitions " + partitions + ", tasks " + tasks.tasks();
      long next = 0;
      for (Map.Entry<Integer, PartitionRows> partition : partitions.entrySet()) {
        PartitionRows rows = partition.getValue();
        assertEquals(next, rows.first(), "partition " + partition.getKey() + " starts after the one before: " + seen);
        assertEquals(rows.last() - rows.first() + 1, rows.count(),
            "partition " + partition.getKey() + " is a range of rows: " + seen);
        next = rows.last() + 1;
      }
      assertEquals(ROWS, next, "the partitions end with the last row: " + seen);
      List<RecordedTasks.Task> successful =
          tasks.tasks().stream().filter(RecordedTasks.Task::successful).collect(Collectors.toList());
      assertEquals(List.copyOf(partitions.keySet()),
          successful.stream().map(RecordedTasks.Task::partition).sorted().collect(Collectors.toList()),
          "one successful task per partition: " + seen);
      assertAll(successful.stream().map(task -> () -> assertEquals(
          partitions.get(task.partition()).count() * Double.BYTES, task.metrics().get(SparseScanJob.BYTES_MAPPED),
          "the task of partition " + task.partition() + " on executor " + task.executorId()
              + " mapped the bytes of its rows: " + seen)));
    }

    void assertOutputIsTheMarkedElements() {
      assertEquals(ROWS, tasks.count(), "count() of the input");
      Python.run("o = np.load(" + Python.literal(output) + ", mmap_mode='r')\n"
          + "assert o.dtype.names == ('index', 'value'), o.dtype\n"
          + "assert o.dtype['index'] == np.dtype('<i8') and o.dtype['value'] == np.dtype('<f8'), o.dtype\n"
          + "o = np.sort(o, order='index')\n"
          + "marked = np.array([" + marked() + "], dtype=np.int64)\n"
          + "assert o.shape == marked.shape, (o.shape, marked.shape)\n"
          + "assert (o['index'] == marked).all(), o['index']\n"
          + "assert (o['value'] == marked + 0.5).all(), o['value']\n");
    }
  }
}
