package io.sparkmemmap.read;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The executor's kept mappings on their own: a range is mapped the first time it is read and then kept; the kept
 * bytes stay within the budget (a range past it is mapped for its reader alone), a kept mapping is never released
 * for another; a file replaced, rewritten or shortened is never read through an old mapping; idle mappings are
 * released; and what is released is unmapped (this JVM's {@code /proc/self/maps} no longer shows it).
 */
class KeptMappingsTest {
  private static final int LENGTH = 64 << 10;

  @TempDir
  Path dir;

  @Test
  void aRangeIsMappedTheFirstTimeItIsReadAndKept() throws IOException {
    Path file = file("a.bin", 4 * LENGTH, (byte) 1);
    KeptMappings kept = new KeptMappings(1 << 30, 60_000);
    try (FileChannel channel = FileChannel.open(file)) {
      KeptMappings.FileIdentity identity = KeptMappings.identify(file);
      try (KeptMappings.Lease first = kept.lease(file.toString(), identity, channel, 0, LENGTH)) {
        assertNotNull(first, "mapped the first time");
        assertEquals(1, first.buffer().get(LENGTH - 1));
      }
      try (KeptMappings.Lease again = kept.lease(file.toString(), identity, channel, 0, LENGTH);
          KeptMappings.Lease concurrent = kept.lease(file.toString(), identity, channel, 0, LENGTH)) {
        assertSame(again.buffer(), concurrent.buffer(), "the kept mapping");
        assertEquals(LENGTH, kept.keptBytes(), "one mapping for the range");
      }
      assertEquals(LENGTH, kept.keptBytes(), "kept after its readers are done");
    } finally {
      kept.releaseAll();
    }
    assertEquals(0, kept.keptBytes());
  }

  @Test
  void pastTheBudgetARangeIsMappedForItsReaderAloneAndTheKeptOnesStay() throws IOException, InterruptedException {
    Path file = file("b.bin", 4 * LENGTH, (byte) 2);
    KeptMappings kept = new KeptMappings(2L * LENGTH, 60_000);
    try (FileChannel channel = FileChannel.open(file)) {
      KeptMappings.FileIdentity identity = KeptMappings.identify(file);
      MappedByteBuffer first;
      try (KeptMappings.Lease lease = mapped(kept, file, identity, channel, 0)) {
        first = lease.buffer();
      }
      mapped(kept, file, identity, channel, LENGTH).close();
      assertEquals(2L * LENGTH, kept.keptBytes());
      MappedByteBuffer third;
      try (KeptMappings.Lease lease = mapped(kept, file, identity, channel, 2L * LENGTH)) {
        third = lease.buffer();
        assertEquals(2, third.get(LENGTH - 1));
        assertEquals(2L * LENGTH, kept.keptBytes(), "no room: not kept, and nothing kept released for it");
      }
      try (KeptMappings.Lease again = mapped(kept, file, identity, channel, 0);
          KeptMappings.Lease thirdAgain = mapped(kept, file, identity, channel, 2L * LENGTH)) {
        assertSame(first, again.buffer(), "a kept one, read again");
        assertNotSame(third, thirdAgain.buffer(), "mapped afresh for its reader");
      }
      assertNull(kept.lease(file.toString(), identity, channel, 3L * LENGTH + 1, 4 * LENGTH),
          "more than the budget is never mapped");
    } finally {
      kept.releaseAll();
    }
    Unmapper.awaitPending();
    assertEquals(List.of(), mappingsOf(file), "released mappings are unmapped");
  }

  @Test
  void aFileReplacedOrRewrittenIsNotReadThroughAnOldMapping() throws IOException, InterruptedException {
    Path file = file("c.bin", LENGTH, (byte) 3);
    KeptMappings kept = new KeptMappings(1 << 30, 60_000);
    try {
      KeptMappings.Lease old;
      try (FileChannel channel = FileChannel.open(file)) {
        old = mapped(kept, file, KeptMappings.identify(file), channel, 0);
      }
      Path other = file("other.bin", LENGTH, (byte) 4);
      Files.move(other, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      try (FileChannel channel = FileChannel.open(file)) {
        KeptMappings.FileIdentity replaced = KeptMappings.identify(file);
        try (KeptMappings.Lease lease = mapped(kept, file, replaced, channel, 0)) {
          assertNotSame(old.buffer(), lease.buffer(), "a new file: mapped afresh");
          assertEquals(4, lease.buffer().get(0));
          assertEquals(3, old.buffer().get(0), "a reader of the old file still reads the old file");
        }
        assertEquals(LENGTH, kept.keptBytes(), "only the new file's mapping is kept");
      }
      old.close();
      MappedByteBuffer beforeRewrite;
      try (FileChannel channel = FileChannel.open(file);
          KeptMappings.Lease lease = mapped(kept, file, KeptMappings.identify(file), channel, 0)) {
        beforeRewrite = lease.buffer();
      }
      Files.setLastModifiedTime(file, FileTime.fromMillis(Files.getLastModifiedTime(file).toMillis() + 5000));
      try (FileChannel channel = FileChannel.open(file);
          KeptMappings.Lease lease = mapped(kept, file, KeptMappings.identify(file), channel, 0)) {
        assertNotSame(beforeRewrite, lease.buffer(), "rewritten in place (a new time of last change): "
            + "mapped afresh");
      }
      try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
        channel.truncate(LENGTH / 2);
      }
      try (FileChannel channel = FileChannel.open(file);
          KeptMappings.Lease lease = kept.lease(file.toString(), KeptMappings.identify(file), channel, 0,
              LENGTH / 2)) {
        assertEquals(4, lease.buffer().get(LENGTH / 2 - 1), "shortened: mapped afresh");
      }
      assertEquals(LENGTH / 2, kept.keptBytes(), "only the file as it is now is kept");
    } finally {
      kept.releaseAll();
    }
    Unmapper.awaitPending();
    assertEquals(List.of(), mappingsOf(file));
  }

  @Test
  void idleMappingsAreReleased() throws IOException, InterruptedException {
    Path file = file("d.bin", LENGTH, (byte) 5);
    KeptMappings kept = KeptMappings.withIdleRelease(1 << 30, 50);
    try (FileChannel channel = FileChannel.open(file)) {
      mapped(kept, file, KeptMappings.identify(file), channel, 0).close();
    }
    assertEquals(LENGTH, kept.keptBytes());
    long deadline = System.nanoTime() + 30_000_000_000L;
    while (kept.keptBytes() > 0 && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    assertEquals(0, kept.keptBytes(), "released after 50 ms unused");
    Unmapper.awaitPending();
    assertEquals(List.of(), mappingsOf(file));
  }

  /** A lease on a mapping of {@code [position, position + LENGTH)}. */
  private static KeptMappings.Lease mapped(KeptMappings kept, Path file, KeptMappings.FileIdentity identity,
      FileChannel channel, long position) throws IOException {
    KeptMappings.Lease lease = kept.lease(file.toString(), identity, channel, position, LENGTH);
    assertNotNull(lease, "mapped");
    return lease;
  }

  private Path file(String name, int length, byte value) throws IOException {
    byte[] bytes = new byte[length];
    java.util.Arrays.fill(bytes, value);
    return Files.write(dir.resolve(name), bytes);
  }

  private static List<String> mappingsOf(Path file) throws IOException {
    return Files.readAllLines(Path.of("/proc/self/maps")).stream()
        .filter(line -> line.contains(file.toString())).toList();
  }

  @Test
  void identityTellsTheFileItsLengthAndItsLastChange() throws IOException {
    Path file = file("e.bin", 10, (byte) 6);
    KeptMappings.FileIdentity identity = KeptMappings.identify(file);
    assertNotNull(identity);
    assertEquals(10, identity.length());
    assertEquals(identity, KeptMappings.identify(file));
    assertNull(KeptMappings.identify(dir.resolve("missing.bin")));
    assertTrue(identity.fileKey().toString().contains("ino"), identity.toString());
  }
}
