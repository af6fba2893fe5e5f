package io.sparkmemmap.read;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.stream.LongStream;
import org.apache.hadoop.fs.BlockLocation;
import org.junit.jupiter.api.Test;

/** Planning alone: row-aligned splits, Spark's packing in order, and hosts from block locations. */
class PartitionPlannerTest {
  private static final RowLayout ROWS_OF_100_BYTES = new RowLayout(false, 4, new int[] {25});

  @Test
  void splitsAreWholeRowsOfAboutTheSplitSize() {
    ArrayFile file = file("a", 1000, null);
    List<NpyInputPartition> partitions = PartitionPlanner.plan(all(List.of(file)), ROWS_OF_100_BYTES, 25_050, 0);
    assertEquals(4, partitions.size());
    for (int i = 0; i < 4; i++) {
      FileRange range = partitions.get(i).ranges().get(0);
      assertEquals(i * 250L, range.fromRow());
      assertEquals((i + 1) * 250L, range.toRow());
    }
  }

  @Test
  void aSparseSelectionOfAFileCostsOneOpenPerSplit() {
    ArrayFile file = file("a", 3000, null);
    RowSelection every10th = RowSelection.rows(LongStream.range(0, 300).map(i -> i * 10).toArray());
    List<NpyInputPartition> partitions = PartitionPlanner.plan(SelectedRows.of(List.of(file), every10th, 0, -1),
        ROWS_OF_100_BYTES, 25_050, 4096);
    assertEquals(List.of(250, 50), partitions.stream().map(p -> p.ranges().size()).toList(),
        "splits of 250 one-row ranges, not a partition per row with an open cost each");
    assertEquals(2490, partitions.get(0).ranges().get(249).fromRow());
  }

  @Test
  void smallFilesArePackedInOrderCountingTheOpenCost() {
    List<ArrayFile> files = List.of(file("a", 10, null), file("b", 10, null), file("c", 10, null),
        file("d", 10, null));
    // a: 2000 counted; b: 2000 + 1000 fits 3500, 4000 counted; c: 4000 + 1000 does not: a new partition
    List<NpyInputPartition> partitions = PartitionPlanner.plan(all(files), ROWS_OF_100_BYTES, 3500,
        1000);
    assertEquals(2, partitions.size(), "each file counts 1000 bytes of data and 1000 of open cost");
    assertEquals(List.of("a", "b"), partitions.get(0).ranges().stream().map(r -> r.file().path()).toList());
    assertEquals(List.of("c", "d"), partitions.get(1).ranges().stream().map(r -> r.file().path()).toList());
  }

  @Test
  void theSplitSizeFollowsSparksFormula() {
    List<ArrayFile> files = List.of(file("a", 1000, null), file("b", 1000, null));
    SelectedRows all = all(files);
    assertEquals(100_000 + 4096, PartitionPlanner.maxSplitBytes(all, ROWS_OF_100_BYTES, 1 << 20, 4096, 2),
        "total / cores");
    assertEquals(50_000, PartitionPlanner.maxSplitBytes(all, ROWS_OF_100_BYTES, 50_000, 4096, 2),
        "at most maxPartitionBytes");
    SelectedRows few = SelectedRows.of(files, RowSelection.range(0, 10), 0, -1);
    assertEquals(1 << 20, PartitionPlanner.maxSplitBytes(few, ROWS_OF_100_BYTES, 1 << 22, 1 << 20, 4),
        "at least the open cost");
  }

  @Test
  void preferredHostsHoldMostOfAPartitionsBytes() {
    // data from byte 128; blocks of 40,000 bytes on different hosts
    BlockLocation[] blocks = {
        new BlockLocation(null, new String[] {"h1", "h2"}, 0, 40_000),
        new BlockLocation(null, new String[] {"h2", "h3"}, 40_000, 40_000),
        new BlockLocation(null, new String[] {"h3", "localhost"}, 80_000, 40_000)};
    ArrayFile file = file("a", 1000, blocks);
    List<NpyInputPartition> partitions = PartitionPlanner.plan(all(List.of(file)), ROWS_OF_100_BYTES, 30_000, 0);
    assertArrayEquals(new String[] {"h1", "h2"}, partitions.get(0).preferredLocations()); // bytes 128..30128
    assertEquals("h2", partitions.get(1).preferredLocations()[0]); // 30128..60128: h2 holds all of it
    assertArrayEquals(new String[] {"h3"}, partitions.get(3).preferredLocations()); // 90128..100128, no localhost
  }

  private static SelectedRows all(List<ArrayFile> files) {
    return SelectedRows.all(files);
  }

  private static ArrayFile file(String uri, long rows, BlockLocation[] blocks) {
    return new ArrayFile(uri, uri, null, 128 + rows * 100, 128, rows * 100, false, rows, "(" + rows + ", 25)", blocks, null);
  }
}
