package io.sparkmemmap.read;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.fs.BlockLocation;

/**
 * Splits arrays into row ranges of about {@code maxSplitBytes} and packs them into partitions the way Spark packs
 * file splits: a partition closes when the next range would take it over {@code maxSplitBytes}, and every range
 * counts {@code openCostInBytes} extra, so small files share a partition. Unlike Spark, ranges are not sorted by
 * size first: partitions keep the arrays' order, so that rows come out in the order of the concatenated array.
 */
final class PartitionPlanner {
  private static final int MAX_PREFERRED_HOSTS = 3;

  private PartitionPlanner() {}

  /** Spark's split size: {@code min(maxPartitionBytes, max(openCost, totalBytes / minPartitions))}. */
  static long maxSplitBytes(List<ArrayFile> files, long maxPartitionBytes, long openCostInBytes, int minPartitions) {
    long total = 0;
    for (ArrayFile file : files) {
      total += file.dataLength() + openCostInBytes;
    }
    long bytesPerCore = total / Math.max(1, minPartitions);
    return Math.min(maxPartitionBytes, Math.max(openCostInBytes, bytesPerCore));
  }

  static List<NpyInputPartition> plan(List<ArrayFile> files, RowLayout layout, long maxSplitBytes,
      long openCostInBytes) {
    long rowBytes = layout.rowBytes();
    List<NpyInputPartition> partitions = new ArrayList<>();
    List<FileRange> current = new ArrayList<>();
    long currentBytes = 0;
    for (ArrayFile file : files) {
      long rows = file.rows();
      if (rows == 0) {
        continue;
      }
      long rowsPerSplit = file.deflated() || rowBytes == 0 ? rows : Math.max(1, maxSplitBytes / rowBytes);
      for (long from = 0; from < rows; from += rowsPerSplit) {
        long to = Math.min(rows, from + rowsPerSplit);
        long bytes = (to - from) * rowBytes;
        if (!current.isEmpty() && currentBytes + bytes > maxSplitBytes) {
          partitions.add(partition(partitions.size(), current, layout));
          current = new ArrayList<>();
          currentBytes = 0;
        }
        current.add(new FileRange(file, from, to));
        currentBytes += bytes + openCostInBytes;
      }
    }
    if (!current.isEmpty()) {
      partitions.add(partition(partitions.size(), current, layout));
    }
    return partitions;
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
