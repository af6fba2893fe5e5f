package io.sparkmemmap.read;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.fs.BlockLocation;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.internal.SQLConf;

/**
 * Splits arrays into row ranges of about {@code maxSplitBytes} and packs them into partitions the way Spark packs
 * file splits: a partition closes when the next range would take it over {@code maxSplitBytes}, and every range
 * counts {@code openCostInBytes} extra, so small files share a partition. Unlike Spark, ranges are not sorted by
 * size first: partitions keep the arrays' order, so that rows come out in the order of the concatenated array.
 */
final class PartitionPlanner {
  private static final int MAX_PREFERRED_HOSTS = 3;

  private PartitionPlanner() {}

  /**
   * The partitions of the selected rows under the session's file-source settings ({@code maxPartitionBytes} of the
   * read options first, then {@code spark.sql.files.*}), as Spark plans file splits.
   */
  static List<NpyInputPartition> plan(SelectedRows selection, RowLayout layout, ReadOptions options) {
    SQLConf conf = SQLConf.get();
    long maxPartitionBytes = options.maxPartitionBytes().orElse(conf.filesMaxPartitionBytes());
    long openCost = conf.filesOpenCostInBytes();
    long maxSplitBytes = maxSplitBytes(selection, layout, maxPartitionBytes, openCost, minPartitions(conf));
    return plan(selection, layout, maxSplitBytes, openCost);
  }

  /**
   * The partitions of a scan that computes pushed aggregates. Each hands Spark one row, so its cost is Spark's for
   * a task (several milliseconds) and the partial result's exchange, against reading its bytes (about 60 ms a GiB a
   * core): its splits are sized by that work rather than by rows handed on. Unless {@code maxPartitionBytes} is set
   * (in the read options or the session), a split is an even share of the selected bytes among
   * {@code minPartitions} tasks, no less than Spark's default {@code maxPartitionBytes} and no more than
   * {@value #MAX_AGGREGATE_SPLIT_BYTES} bytes, so that work spreads over a cluster's cores and a task lost late
   * costs little. On two cores, {@code sum(c0)} of a GiB took 157 ms in 9 tasks of 128 MiB and 133 ms in 2 of
   * 512 MiB; 16 sums 213 and 200 ms (medians of 7 queries).
   */
  static List<NpyInputPartition> planAggregates(SelectedRows selection, RowLayout layout, ReadOptions options) {
    SQLConf conf = SQLConf.get();
    if (options.maxPartitionBytes().isPresent() || conf.contains(SQLConf.FILES_MAX_PARTITION_BYTES().key())) {
      return plan(selection, layout, options);
    }
    long openCost = conf.filesOpenCostInBytes();
    long share = selectedBytes(selection, layout, openCost) / Math.max(1, minPartitions(conf));
    long maxSplitBytes = Math.min(MAX_AGGREGATE_SPLIT_BYTES, Math.max(conf.filesMaxPartitionBytes(), share));
    return plan(selection, layout, maxSplitBytes, openCost);
  }

  static final long MAX_AGGREGATE_SPLIT_BYTES = 1L << 30;

  private static int minPartitions(SQLConf conf) {
    return conf.filesMinPartitionNum().isDefined()
        ? (Integer) conf.filesMinPartitionNum().get()
        : ((org.apache.spark.sql.classic.SparkSession) SparkSession.active()).leafNodeDefaultParallelism();
  }

  /** Spark's split size: {@code min(maxPartitionBytes, max(openCost, selectedBytes / minPartitions))}. */
  static long maxSplitBytes(SelectedRows selection, RowLayout layout, long maxPartitionBytes, long openCostInBytes,
      int minPartitions) {
    long bytesPerCore = selectedBytes(selection, layout, openCostInBytes) / Math.max(1, minPartitions);
    return Math.min(maxPartitionBytes, Math.max(openCostInBytes, bytesPerCore));
  }

  /** The bytes of the selected rows, and {@code openCostInBytes} for each file with any. */
  private static long selectedBytes(SelectedRows selection, RowLayout layout, long openCostInBytes) {
    long total = 0;
    List<ArrayFile> files = selection.files();
    for (int i = 0; i < files.size(); i++) {
      long rows = selection.rows(i).count();
      if (rows > 0) {
        total += selectedBytes(files.get(i), rows, layout) + openCostInBytes;
      }
    }
    return total;
  }

  /**
   * Splits the selected rows of each file into runs of at most {@code maxSplitBytes} and packs them into
   * partitions. A split may hold several row ranges of its file (a sparse selection) and costs
   * {@code openCostInBytes} once; files and rows keep their order.
   */
  static List<NpyInputPartition> plan(SelectedRows selection, RowLayout layout, long maxSplitBytes,
      long openCostInBytes) {
    long rowBytes = layout.rowBytes();
    Packer packer = new Packer(layout, maxSplitBytes, openCostInBytes);
    List<ArrayFile> files = selection.files();
    for (int f = 0; f < files.size(); f++) {
      ArrayFile file = files.get(f);
      RowSelection rows = selection.rows(f);
      long rowsPerSplit = file.deflated() || rowBytes == 0 ? Long.MAX_VALUE : Math.max(1, maxSplitBytes / rowBytes);
      List<FileRange> split = new ArrayList<>();
      long splitRows = 0;
      for (int i = 0; i < rows.intervalCount(); i++) {
        long from = rows.from(i);
        long to = rows.to(i);
        while (from < to) {
          long take = Math.min(to - from, rowsPerSplit - splitRows);
          split.add(new FileRange(file, from, from + take));
          splitRows += take;
          from += take;
          if (splitRows == rowsPerSplit) {
            packer.add(split, splitRows * rowBytes);
            split = new ArrayList<>();
            splitRows = 0;
          }
        }
      }
      if (!split.isEmpty()) {
        packer.add(split, splitRows * rowBytes);
      }
    }
    return packer.finish();
  }

  private static long selectedBytes(ArrayFile file, long rows, RowLayout layout) {
    return file.deflated() ? file.dataLength() : rows * layout.rowBytes();
  }

  /** Fills partitions with splits in order, as Spark packs file splits. */
  private static final class Packer {
    private final RowLayout layout;
    private final long maxSplitBytes;
    private final long openCostInBytes;
    private final List<NpyInputPartition> partitions = new ArrayList<>();
    private List<FileRange> current = new ArrayList<>();
    private long currentBytes;

    Packer(RowLayout layout, long maxSplitBytes, long openCostInBytes) {
      this.layout = layout;
      this.maxSplitBytes = maxSplitBytes;
      this.openCostInBytes = openCostInBytes;
    }

    void add(List<FileRange> split, long bytes) {
      if (!current.isEmpty() && currentBytes + bytes > maxSplitBytes) {
        close();
      }
      current.addAll(split);
      currentBytes += bytes + openCostInBytes;
    }

    private void close() {
      partitions.add(partition(partitions.size(), current, layout));
      current = new ArrayList<>();
      currentBytes = 0;
    }

    List<NpyInputPartition> finish() {
      if (!current.isEmpty()) {
        close();
      }
      return partitions;
    }
  }

  private static NpyInputPartition partition(int index, List<FileRange> ranges, RowLayout layout) {
    return new NpyInputPartition(index, ranges, preferredHosts(ranges, layout));
  }

  /** The hosts holding the most bytes of the ranges, as Spark's {@code FilePartition.preferredLocations}. */
  private static String[] preferredHosts(List<FileRange> ranges, RowLayout layout) {
    Map<String, Long> bytesOnHost = new HashMap<>();
    for (FileRange range : ranges) {
      ArrayFile file = range.file();
      BlockLocation[] blocks = file.blocks();
      if (blocks == null) {
        continue;
      }
      long start;
      long end;
      double share = 1.0;
      if (file.deflated()) {
        start = 0;
        end = file.fileLength();
      } else if (layout.fortran()) {
        // The range has bytes in every segment: count the whole data, weighted by the range's share of rows.
        start = file.dataOffset();
        end = file.dataOffset() + file.dataLength();
        share = (double) range.rows() / file.rows();
      } else {
        start = file.dataOffset() + range.fromRow() * layout.rowBytes();
        end = file.dataOffset() + range.toRow() * layout.rowBytes();
      }
      for (BlockLocation block : blocks) {
        long overlap = Math.min(end, block.getOffset() + block.getLength()) - Math.max(start, block.getOffset());
        if (overlap <= 0) {
          continue;
        }
        String[] hosts;
        try {
          hosts = block.getHosts();
        } catch (java.io.IOException e) {
          continue; // locations are a hint
        }
        for (String host : hosts) {
          if (!"localhost".equals(host)) {
            bytesOnHost.merge(host, (long) (overlap * share), Long::sum);
          }
        }
      }
    }
    return bytesOnHost.entrySet().stream()
        .sorted(Map.Entry.<String, Long>comparingByValue().reversed())
        .limit(MAX_PREFERRED_HOSTS)
        .map(Map.Entry::getKey)
        .toArray(String[]::new);
  }
}
