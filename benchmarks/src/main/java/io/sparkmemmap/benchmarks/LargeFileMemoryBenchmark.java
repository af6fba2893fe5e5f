package io.sparkmemmap.benchmarks;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.sum;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.management.GarbageCollectionNotificationInfo;
import java.io.IOException;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryUsage;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import javax.management.NotificationEmitter;
import javax.management.openmbean.CompositeData;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * A full scan of sparse {@code .npy} files of 1, 2, 4 and 8 times the data size (8 GiB at the largest) by a Spark
 * ({@code local[2]}) whose whole JVM, driver and executor, has 1 GiB of heap: each scan in a JVM of its own
 * ({@code -Xmx1g}), which reports its peak heap use (sampled, and the most still in use after a collection) and
 * its peak resident set ({@code VmHWM}, mapped file pages included). The scan reads every value into Spark:
 * {@code count(c0)} and the sums of all 16 columns with aggregates left to Spark.
 */
final class LargeFileMemoryBenchmark implements BenchmarkSuite {
  /** The first argument of {@link BenchmarkMain} that makes it the scanning JVM. */
  static final String CHILD = "large-file-scan";
  static final String CHILD_HEAP = "-Xmx1g";
  /** Heap in use after collections may differ by this much between file sizes and still be flat. */
  static final long FLAT_HEAP_SLACK = 64L << 20;

  /** What one scanning JVM reported. */
  record Scan(long fileBytes, long rows, double millis, long maxHeap, long peakHeapUsed, long peakHeapAfterGc,
      long peakRss, long gcCount) {}

  @Override
  public Report run(BenchmarkConfig config) throws Exception {
    Report report = new Report(name());
    List<Scan> scans = new ArrayList<>();
    for (int multiple : config.largeFileSizes()) {
      long rows = config.rows() * multiple;
      Path file = config.dataDir().resolve("large-" + multiple + ".npy");
      BenchmarkData.writeSparseNpy(file, rows);
      try {
        scans.add(scanInChildJvm(file, rows));
      } finally {
        Files.deleteIfExists(file);
      }
    }
    StringBuilder text = new StringBuilder();
    text.append("full scan of a sparse (N, 16) float32 .npy, one JVM with ").append(CHILD_HEAP)
        .append(" per file: SELECT count(c0), sum(c0), ..., sum(c15) (pushDownAggregates=false)\n");
    text.append(String.format(Locale.ROOT, "%-12s %12s %10s %12s %18s %22s %14s %6s%n", "file", "rows",
        "time ms", "max heap", "peak heap used", "peak heap after GC", "peak RSS", "GCs"));
    text.append("-".repeat(113)).append('\n');
    for (Scan s : scans) {
      text.append(String.format(Locale.ROOT, "%-12s %12d %10.0f %12s %18s %22s %14s %6d%n",
          Report.bytes(s.fileBytes()), s.rows(), s.millis(), Report.bytes(s.maxHeap()),
          Report.bytes(s.peakHeapUsed()), Report.bytes(s.peakHeapAfterGc()), Report.bytes(s.peakRss()),
          s.gcCount()));
    }
    long minAfterGc = scans.stream().mapToLong(Scan::peakHeapAfterGc).min().orElse(0);
    long maxAfterGc = scans.stream().mapToLong(Scan::peakHeapAfterGc).max().orElse(0);
    boolean flat = maxAfterGc - minAfterGc <= FLAT_HEAP_SLACK;
    String largest = Report.bytes(scans.get(scans.size() - 1).fileBytes());
    String target = "scan of " + largest + " succeeds with 1 GiB of heap; heap in use after GC flat in file size "
        + "(spread <= " + Report.bytes(FLAT_HEAP_SLACK) + ")";
    text.append(String.format(Locale.ROOT, "Target: %s: %s (spread %s)%n", target, flat ? "yes" : "NO",
        Report.bytes(maxAfterGc - minAfterGc)));
    text.append("  peak heap used: the most heap in use at 10 ms samples during the scan, garbage included; peak "
        + "heap after GC: the most in use right after a collection; peak RSS: VmHWM of the JVM, mapped file pages "
        + "included\n");
    Map<String, Boolean> targets = new LinkedHashMap<>();
    targets.put(target, flat);
    return report
        .context("Data: sparse .npy files (header, then a hole) of " + config.rows() + " rows x 16 float32 times "
            + java.util.Arrays.toString(config.largeFileSizes()) + ", created with RandomAccessFile.setLength")
        .context("Spark master: local[2] in a JVM of its own with " + CHILD_HEAP + " for each file")
        .add(text.toString(), targets);
  }

  private static Scan scanInChildJvm(Path file, long rows) throws IOException, InterruptedException {
    List<String> command = BenchmarkMain.childJvmCommand(List.of("-Xmx", "-Xms", "-XX:MaxHeapSize"),
        List.of(CHILD_HEAP), CHILD, file.toString(), Long.toString(rows));
    ProcessBuilder builder = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT);
    builder.environment().put("SPARK_LOCAL_IP", "127.0.0.1");
    Process process = builder.start();
    String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!process.waitFor(15, TimeUnit.MINUTES) || process.exitValue() != 0) {
      process.destroyForcibly();
      throw new IllegalStateException("the scan of " + file + " with " + CHILD_HEAP + " failed: " + out);
    }
    String json = out.lines().filter(l -> l.startsWith("{")).reduce((a, b) -> b)
        .orElseThrow(() -> new IllegalStateException("no report from the scan of " + file + ": " + out));
    JsonNode node = new ObjectMapper().readTree(json);
    return new Scan(Files.size(file), node.get("rows").asLong(), node.get("millis").asDouble(),
        node.get("maxHeap").asLong(), node.get("peakHeapUsed").asLong(), node.get("peakHeapAfterGc").asLong(),
        node.get("peakRss").asLong(), node.get("gcCount").asLong());
  }

  /** The scanning JVM: {@code large-file-scan <file> <rows>}; prints its report as one line of JSON. */
  static void main(String[] args) throws Exception {
    Path file = Paths.get(args[1]);
    long rows = Long.parseLong(args[2]);
    SparkSession spark = BenchmarkSession.start("local[2]");
    try {
      Dataset<Row> df = spark.read().format("npy").option("layout", "columns")
          .option("pushDownAggregates", "false").load(file.toString());
      Column[] sums = new Column[BenchmarkData.COLUMNS];
      for (int j = 0; j < sums.length; j++) {
        sums[j] = sum(col("c" + j));
      }
      Dataset<Row> query = df.agg(count(col("c0")), sums);
      Plans.requireScan(query, "NpyScan", "columns=c0,");
      HeapWatch watch = HeapWatch.start();
      long start = System.nanoTime();
      Row row = query.first();
      double millis = (System.nanoTime() - start) / 1e6;
      watch.stop();
      if (row.getLong(0) != rows) {
        throw new IllegalStateException("the scan counted " + row.getLong(0) + " rows, not " + rows);
      }
      for (int j = 1; j <= BenchmarkData.COLUMNS; j++) {
        if (row.getDouble(j) != 0.0) {
          throw new IllegalStateException("a hole read as non-zero: " + row);
        }
      }
      System.out.printf(Locale.ROOT, "{\"rows\": %d, \"millis\": %.1f, \"maxHeap\": %d, \"peakHeapUsed\": %d, "
          + "\"peakHeapAfterGc\": %d, \"peakRss\": %d, \"gcCount\": %d}%n", rows, millis,
          Runtime.getRuntime().maxMemory(), watch.peakUsed.get(), watch.peakAfterGc.get(),
          HeapWatch.statusKiB("VmHWM") * 1024, watch.gcCount());
    } finally {
      spark.stop();
    }
  }

  /** Watches the heap during the scan: samples of the heap in use, and what each collection left in use. */
  static final class HeapWatch {
    final AtomicLong peakUsed = new AtomicLong();
    final AtomicLong peakAfterGc = new AtomicLong();
    private final long gcCountAtStart = gcCountNow();
    private final Thread sampler;
    private volatile boolean running = true;

    private HeapWatch() {
      for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
        ((NotificationEmitter) gc).addNotificationListener((notification, handback) -> {
          if (GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION.equals(notification.getType())) {
            GarbageCollectionNotificationInfo info = GarbageCollectionNotificationInfo.from(
                (CompositeData) notification.getUserData());
            long used = 0;
            for (Map.Entry<String, MemoryUsage> pool : info.getGcInfo().getMemoryUsageAfterGc().entrySet()) {
              if (isHeapPool(pool.getKey())) {
                used += pool.getValue().getUsed();
              }
            }
            peakAfterGc.accumulateAndGet(used, Math::max);
          }
        }, null, null);
      }
      sampler = new Thread(() -> {
        while (running) {
          peakUsed.accumulateAndGet(ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed(), Math::max);
          try {
            Thread.sleep(10);
          } catch (InterruptedException e) {
            return;
          }
        }
      }, "heap-sampler");
      sampler.setDaemon(true);
    }

    static HeapWatch start() {
      HeapWatch watch = new HeapWatch();
      watch.sampler.start();
      return watch;
    }

    void stop() throws InterruptedException {
      running = false;
      sampler.join();
    }

    long gcCount() {
      return gcCountNow() - gcCountAtStart;
    }

    private static long gcCountNow() {
      return ManagementFactory.getGarbageCollectorMXBeans().stream()
          .mapToLong(GarbageCollectorMXBean::getCollectionCount).sum();
    }

    private static boolean isHeapPool(String name) {
      return ManagementFactory.getMemoryPoolMXBeans().stream().anyMatch(p -> p.getName().equals(name)
          && p.getType() == java.lang.management.MemoryType.HEAP);
    }

    /** A field of {@code /proc/self/status} in KiB ({@code VmHWM}: peak resident set). */
    static long statusKiB(String field) throws IOException {
      for (String line : Files.readAllLines(Paths.get("/proc/self/status"))) {
        if (line.startsWith(field + ":")) {
          return Long.parseLong(line.substring(field.length() + 1).replace("kB", "").trim());
        }
      }
      return -1;
    }
  }
}
