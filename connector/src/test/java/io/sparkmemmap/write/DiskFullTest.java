package io.sparkmemmap.write;

import static io.sparkmemmap.SparkTestSession.longs;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.sparkmemmap.Python;
import io.sparkmemmap.SparkTestSession;
import io.sparkmemmap.SparkValues;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.LongStream;
import java.util.stream.Stream;
import org.apache.spark.sql.DataFrameWriter;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The fault table's row "disk full while writing": every write goes to a target on an 8 MiB tmpfs the test mounts
 * (CI runs as root; only a non-root run is skipped, saying why), so the job's staging directory, a sibling of the
 * target, is on it too. A write that does not fit fails with an IOException naming the target and the lack of
 * space; nothing is left at the target (or what was there is intact), no staging is left, the space is given back,
 * and the session runs the next query.
 */
@DisplayName("disk full while writing: IOException; no partial file at the target; staging cleaned")
class DiskFullTest {
  private static final long DISK_BYTES = 8L << 20;
  /** Rows of 8 bytes: 12 MiB, more than the disk holds. */
  private static final long TOO_MANY_ROWS = 12L << 17;

  @TempDir
  static Path tmp;

  private static Path disk;
  private static SparkSession spark;

  @BeforeAll
  static void mountASmallDisk() throws Exception {
    String uid = run("id", "-u").strip();
    if (!uid.equals("0")) {
      String why = "DiskFullTest mounts a tmpfs and needs root (CI runs as root); uid is " + uid;
      System.out.println(why);
      Assumptions.abort(why);
    }
    disk = tmp.resolve("small-disk");
    Files.createDirectories(disk);
    run("mount", "-t", "tmpfs", "-o", "size=" + DISK_BYTES, "tmpfs", disk.toString());
    spark = SparkTestSession.get();
  }

  @AfterAll
  static void unmount() throws Exception {
    if (disk != null && Files.getFileStore(disk).type().equals("tmpfs")) {
      run("umount", disk.toString());
    }
  }

  @AfterEach
  void emptyTheDisk() throws IOException {
    try (Stream<Path> walk = Files.walk(disk)) {
      for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
        if (!p.equals(disk)) {
          Files.delete(p);
        }
      }
    }
  }

  @Test
  void aDirectoryOutputLargerThanTheDisk() throws IOException {
    Path target = disk.resolve("parts");
    assertRefusedForSpace(longs(0, TOO_MANY_ROWS).write().format("npy"), target, Map.of());
  }

  @Test
  void aSingleFileLargerThanTheDisk() throws IOException {
    Path target = disk.resolve("single.npy");
    assertRefusedForSpace(longs(0, TOO_MANY_ROWS).write().format("npy").option("singleFile", "true"), target, Map.of());
  }

  @Test
  void aSingleFileWhosePartsFitButNotTheAssembledFile() throws IOException {
    // two parts of 3 MiB are staged; the first becomes the assembled file, and the copy of the second, which is
    // deleted only once copied, runs out of space
    Path target = disk.resolve("assembled.npy");
    assertRefusedForSpace(longs(0, 6L << 17).write().format("npy").option("singleFile", "true"), target, Map.of());
  }

  @Test
  void aSingleFileNeedsRoomForItsRowsAndOnePartsCopyOnly() throws IOException {
    // 4 MiB in two parts: at most 6 MiB on the disk at once, as the first part becomes the file, not twice the rows
    Path target = disk.resolve("fits.npy");
    longs(0, 4L << 17).write().format("npy").option("singleFile", "true").save(target.toString());
    assertEquals(SparkValues.parseJson("[" + (4L << 17) + "]"), NumpyChecks.singleFile(target).get("shape"));
    NumpyChecks.assertNoStaging(target);
  }

  @Test
  void anOverwriteLeavesTheOldOutputIntact() throws IOException {
    Path target = disk.resolve("replaced");
    longs(0, 1000).write().format("npy").save(target.toString());
    Map<String, byte[]> before = NumpyChecks.snapshot(target);
    assertRefusedForSpace(longs(0, TOO_MANY_ROWS).write().format("npy").mode("overwrite"), target, before);
    assertEquals(SparkValues.canonical((Object) LongStream.range(0, 1000).boxed().toList()),
        NumpyChecks.directory(target).get("values"));
  }

  @Test
  void anAppendToADirectoryAddsNoPart() throws IOException {
    Path target = disk.resolve("grown");
    longs(0, 1000).write().format("npy").save(target.toString());
    Map<String, byte[]> before = NumpyChecks.snapshot(target);
    assertRefusedForSpace(longs(0, TOO_MANY_ROWS).write().format("npy").mode("append"), target, before);
  }

  @Test
  void anAppendInPlaceLeavesTheOldArrayAndGivesBackTheSpace() throws IOException {
    // 3.5 MiB already there, 2.5 MiB of new rows staged: growing the file by 2.5 MiB more does not fit
    Path target = disk.resolve("grown.npy");
    Python.run("np.save(" + Python.literal(target) + ", np.arange(" + (7L << 16) + ", dtype='<i8'))");
    Map<String, byte[]> before = NumpyChecks.snapshot(target);
    assertRefusedForSpace(longs(0, 5L << 16).write().format("npy").mode("append").option("singleFile", "true"), target,
        before);
    assertEquals(SparkValues.parseJson("[" + (7L << 16) + "]"), NumpyChecks.singleFile(target).get("shape"));
  }

  /**
   * Writes to {@code target} and expects an error naming the target and the lack of space, after which the disk
   * holds exactly {@code before} (the target's files before the write; none if it did not exist), its space is
   * free but for them, and the session still runs a query.
   */
  private static void assertRefusedForSpace(DataFrameWriter<Row> writer, Path target, Map<String, byte[]> before)
      throws IOException {
    Exception e = assertThrows(Exception.class, () -> writer.save(target.toString()));
    String messages = NumpyChecks.messages(e);
    assertTrue(messages.contains("No space left on device"), messages);
    assertTrue(messages.contains(target.getFileName().toString()), "the target is not named:\n" + messages);
    if (before.isEmpty()) {
      NumpyChecks.assertNothingAt(target);
    } else {
      NumpyChecks.assertNoStaging(target);
      NumpyChecks.assertSameFiles(before, NumpyChecks.snapshot(target));
    }
    long kept = before.values().stream().mapToLong(b -> (b.length + 4095) / 4096 * 4096).sum();
    long used = usedOnceCancelledTasksEnd(kept);
    assertTrue(used <= kept, used + " bytes are still taken on the disk (deleted files held open?), " + kept
        + " expected");
    try (Stream<Path> left = Files.list(disk)) {
      assertEquals(before.isEmpty() ? List.of() : List.of(target.getFileName().toString()),
          left.map(p -> p.getFileName().toString()).toList(), "only the target's old files are left");
    }
    assertEquals(10L, spark.range(10).count(), "the session still runs jobs");
  }

  /**
   * The bytes taken on the disk once the failed job's other tasks have ended: Spark cancels them when the job
   * fails but does not wait for them, and until a cancelled task has aborted, it holds its staging file open.
   */
  private static long usedOnceCancelledTasksEnd(long kept) throws IOException {
    long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(60);
    long used = DISK_BYTES - Files.getFileStore(disk).getUsableSpace();
    while (used > kept && System.nanoTime() < deadline) {
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
      used = DISK_BYTES - Files.getFileStore(disk).getUsableSpace();
    }
    return used;
  }

  /** Runs a command and returns its output; a failure fails the test, saying what the command printed. */
  private static String run(String... command) throws IOException, InterruptedException {
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (process.waitFor() != 0) {
      fail(String.join(" ", command) + " failed with exit code " + process.exitValue() + ": " + out);
    }
    return out;
  }
}
