package io.sparkmemmap.read;

import java.util.List;
import org.apache.spark.sql.connector.read.InputPartition;

/**
 * The work of one task: row ranges of one or more arrays (a file may span many partitions; small files share
 * one), read in order.
 */
final class NpyInputPartition implements InputPartition {
  private static final long serialVersionUID = 1L;

  private final int index;
  private final List<FileRange> ranges;
  /** Driver only: hosts holding most of the partition's bytes. */
  private final transient String[] preferredLocations;

  NpyInputPartition(int index, List<FileRange> ranges, String[] preferredLocations) {
    this.index = index;
    this.ranges = List.copyOf(ranges);
    this.preferredLocations = preferredLocations;
  }

  int index() {
    return index;
  }

  List<FileRange> ranges() {
    return ranges;
  }

  @Override
  public String[] preferredLocations() {
    return preferredLocations == null ? new String[0] : preferredLocations.clone();
  }

  @Override
  public String toString() {
    return "NpyInputPartition " + index + " " + ranges;
  }
}
