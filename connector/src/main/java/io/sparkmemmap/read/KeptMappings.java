package io.sparkmemmap.read;

import java.io.IOException;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.spark.SparkConf;
import org.apache.spark.SparkEnv;
import org.apache.spark.network.util.JavaUtils;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The executor's mappings of local files kept from task to task and query to query: a range is mapped the first time
 * it is read and read through its mapping from then on, so that a range read again costs neither a read into a buffer
 * nor a page fault per page (the page tables of a kept mapping survive the task).
 *
 * <p>Why a range is mapped at its first read rather than read into a buffer: faulting a fresh mapping in costs less
 * than copying the same bytes, however the file's pages came into the page cache. Measured on this project's machine
 * (2 vCPU, kernel 6.18, a hot 1 GiB): touching every page of a fresh mapping took 5 ms when the page cache held the
 * file in large folios (written by {@code np.save} or large {@code write()} calls) and 68-86 ms when it held 4 KiB
 * pages (written through a mapping by {@code open_memmap} just before), against 82-97 ms and 110-210 ms for
 * {@code pread} of the same bytes into a reused 1 MiB buffer; from a cold page cache both took 360-470 ms.
 *
 * <p>Bounded: the kept bytes never exceed {@code spark.memmap.keptMappings.maxBytes}, a mapping unused for
 * {@code spark.memmap.keptMappings.idleTimeout} is released, and none is made while the machine's available memory is
 * under a tenth of its total (a range is then read into a buffer instead). A range that finds no room in the budget is
 * mapped for its reader alone, and unmapped when the reader is done: a kept mapping is never released to make room for
 * another. Why not least recently used first: reads that cycle over more than the budget (epochs over a dataset,
 * queries over several files in turn) would then release each mapping just before it is read again, and no read would
 * find one kept; this way the budget's worth of them stays kept. Kept pages count in the executor's resident set
 * ({@code RssFile}), which a container's memory limit sees. A mapping is tied to the file as it was mapped
 * ({@link FileIdentity}): a file replaced, rewritten or shortened is mapped afresh, its old mappings released when
 * their last reader is done. A mapping is released only when no reader holds it ({@link Lease}), so that no read
 * touches an unmapped page.
 */
public final class KeptMappings {
  static final String MAX_BYTES = "spark.memmap.keptMappings.maxBytes";
  static final String IDLE_TIMEOUT = "spark.memmap.keptMappings.idleTimeout";
  static final long DEFAULT_MAX_BYTES = 2L << 30;
  static final long DEFAULT_IDLE_MILLIS = 60_000;

  private static final Logger LOG = LoggerFactory.getLogger(KeptMappings.class);
  private static final Path MEMINFO = Path.of("/proc/meminfo");
  private static volatile KeptMappings executorMappings;

  /** Exactly the bytes of one mapping: a file as it is ({@link FileIdentity}) and a range of it. */
  record Key(String path, FileIdentity file, long position, long length) {}

  /** A mapping and its readers. */
  static final class Mapping {
    final Key key;
    final MappedByteBuffer buffer;
    private int readers;
    private long lastUsedNanos;
    private boolean kept = true;

    private Mapping(Key key, MappedByteBuffer buffer) {
      this.key = key;
      this.buffer = buffer;
    }
  }

  /** A reader's hold on a mapping: the mapping stays until every lease on it is closed. */
  final class Lease implements AutoCloseable {
    private Mapping mapping;

    private Lease(Mapping mapping) {
      this.mapping = mapping;
    }

    MappedByteBuffer buffer() {
      if (mapping == null) {
        throw new IllegalStateException("the lease is closed");
      }
      return mapping.buffer;
    }

    @Override
    public void close() {
      if (mapping != null) {
        giveBack(mapping);
        mapping = null;
      }
    }
  }

  private final long maxBytes;
  private final long idleNanos;
  private final LinkedHashMap<Key, Mapping> mappings = new LinkedHashMap<>();
  private long keptBytes;

  /** Mappings released only when their file changes, or by {@link #releaseAll}. */
  KeptMappings(long maxBytes, long idleMillis) {
    this.maxBytes = maxBytes;
    this.idleNanos = TimeUnit.MILLISECONDS.toNanos(idleMillis);
  }

  /** Mappings that a daemon thread also releases once unused for {@code idleMillis}, or when memory is short. */
  static KeptMappings withIdleRelease(long maxBytes, long idleMillis) {
    KeptMappings kept = new KeptMappings(maxBytes, idleMillis);
    kept.startReleasingIdle();
    return kept;
  }

  /** This executor's mappings, configured from its Spark configuration when first used. */
  static KeptMappings ofExecutor() {
    KeptMappings kept = executorMappings;
    if (kept == null) {
      synchronized (KeptMappings.class) {
        kept = executorMappings;
        if (kept == null) {
          SparkEnv env = SparkEnv.get();
          SparkConf conf = env == null ? new SparkConf(false) : env.conf();
          kept = withIdleRelease(JavaUtils.byteStringAsBytes(conf.get(MAX_BYTES, DEFAULT_MAX_BYTES + "b")),
              JavaUtils.timeStringAsMs(conf.get(IDLE_TIMEOUT, DEFAULT_IDLE_MILLIS + "ms")));
          executorMappings = kept;
        }
      }
    }
    return kept;
  }

  /**
   * The file's identity as it is now, with which its mappings are looked up; null when it cannot be told (then
   * nothing of the file is kept). Asked before and after the file was opened, so that the identity is that of the
   * file the channel reads: a file replaced in between is not kept.
   */
  static FileIdentity identify(Path path) {
    try {
      BasicFileAttributes attributes = Files.readAttributes(path, BasicFileAttributes.class);
      return attributes.fileKey() == null ? null : new FileIdentity(attributes.fileKey(), attributes.size(),
          attributes.lastModifiedTime().to(TimeUnit.NANOSECONDS));
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }

  /**
   * A file's device and inode, length and time of last change. The time tells a file rewritten in place (as
   * {@code np.memmap(mode='w+')} rewrites one): it is mapped afresh, as a new file, and its old mappings retired.
   */
  record FileIdentity(Object fileKey, long length, long modifiedNanos) {}

  /**
   * A lease on a mapping of {@code length} bytes at {@code position} of the file {@code channel} reads: the kept one,
   * or one made now, kept if the budget has room for it and else for this lease alone; null when the range is to be
   * read instead (memory short, or more than a mapping holds).
   */
  Lease lease(String path, FileIdentity identity, FileChannel channel, long position, long length) throws IOException {
    if (maxBytes <= 0 || length <= 0 || length > maxBytes || length > Integer.MAX_VALUE) {
      return null;
    }
    Key key = new Key(path, identity, position, length);
    List<Mapping> released = new ArrayList<>();
    try {
      synchronized (this) {
        retireOtherVersions(key, released);
        Mapping mapping = mappings.get(key);
        if (mapping == null) {
          if (memoryIsShort()) {
            return null;
          }
          mapping = new Mapping(key, channel.map(FileChannel.MapMode.READ_ONLY, position, length));
          if (keptBytes + length <= maxBytes) {
            mappings.put(key, mapping);
            keptBytes += length;
          } else {
            mapping.kept = false; // unmapped when this lease is closed
          }
        }
        mapping.readers++;
        mapping.lastUsedNanos = System.nanoTime();
        return new Lease(mapping);
      }
    } finally {
      unmapAll(released);
    }
  }

  /** Bytes kept mapped now. */
  synchronized long keptBytes() {
    return keptBytes;
  }

  /**
   * Releases every mapping this JVM's executor keeps that no reader holds, and returns once they are unmapped. For a
   * session whose executor is this JVM ({@code local[*]}) that measures reads from a cold page cache: the kernel's
   * {@code drop_caches} drops no page a process maps, so kept pages would stay hot.
   */
  public static void releaseExecutorMappings() throws InterruptedException {
    KeptMappings kept = executorMappings;
    if (kept != null) {
      kept.releaseAll();
    }
    Unmapper.awaitPending();
  }

  /** Releases every mapping no reader holds. */
  void releaseAll() {
    List<Mapping> released = new ArrayList<>();
    synchronized (this) {
      for (Iterator<Mapping> it = mappings.values().iterator(); it.hasNext(); ) {
        Mapping mapping = it.next();
        it.remove();
        retire(mapping, released);
      }
    }
    unmapAll(released);
  }

  private void giveBack(Mapping mapping) {
    boolean release;
    synchronized (this) {
      mapping.readers--;
      mapping.lastUsedNanos = System.nanoTime();
      release = !mapping.kept && mapping.readers == 0;
    }
    if (release) {
      Unmapper.unmap(mapping.buffer, describe(mapping.key));
    }
  }

  /** Mappings of the same path as another file, or the file as it was, are stale: no new lease is given on them. */
  private void retireOtherVersions(Key key, List<Mapping> released) {
    for (Iterator<Mapping> it = mappings.values().iterator(); it.hasNext(); ) {
      Mapping mapping = it.next();
      Key other = mapping.key;
      if (other.path().equals(key.path()) && !other.file().equals(key.file())) {
        it.remove();
        retire(mapping, released);
      }
    }
  }

  private void retire(Mapping mapping, List<Mapping> released) {
    mapping.kept = false;
    keptBytes -= mapping.key.length();
    if (mapping.readers == 0) {
      released.add(mapping);
    }
  }

  private void releaseIdle() {
    List<Mapping> released = new ArrayList<>();
    synchronized (this) {
      long now = System.nanoTime();
      boolean memoryShort = memoryIsShort();
      for (Iterator<Mapping> it = mappings.values().iterator(); it.hasNext(); ) {
        Mapping mapping = it.next();
        if (mapping.readers == 0 && (memoryShort || now - mapping.lastUsedNanos > idleNanos)) {
          it.remove();
          retire(mapping, released);
        }
      }
    }
    unmapAll(released);
  }

  private void startReleasingIdle() {
    if (maxBytes <= 0) {
      return;
    }
    ScheduledExecutorService releaser = Executors.newSingleThreadScheduledExecutor(runnable -> {
      Thread thread = new Thread(runnable, "npy-kept-mappings");
      thread.setDaemon(true);
      return thread;
    });
    long period = Math.max(1, Math.min(TimeUnit.NANOSECONDS.toMillis(idleNanos) / 4, 5_000));
    releaser.scheduleWithFixedDelay(() -> {
      try {
        releaseIdle();
      } catch (RuntimeException e) {
        LOG.warn("Releasing idle file mappings failed", e);
      }
    }, period, period, TimeUnit.MILLISECONDS);
  }

  private static void unmapAll(List<Mapping> released) {
    for (Mapping mapping : released) {
      Unmapper.unmap(mapping.buffer, describe(mapping.key));
    }
    released.clear();
  }

  private static String describe(Key key) {
    return key.path() + " bytes [" + key.position() + ", " + (key.position() + key.length()) + ")";
  }

  /**
   * Whether the machine has less than a tenth of its memory available ({@code MemAvailable} of
   * {@code /proc/meminfo}): no mapping is made or kept then. False where that cannot be read.
   */
  static boolean memoryIsShort() {
    long total = -1;
    long available = -1;
    try {
      for (String line : Files.readAllLines(MEMINFO)) {
        if (line.startsWith("MemTotal:")) {
          total = kibibytes(line);
        } else if (line.startsWith("MemAvailable:")) {
          available = kibibytes(line);
        }
      }
    } catch (IOException | RuntimeException e) {
      return false;
    }
    return total > 0 && available >= 0 && available < total / 10;
  }

  private static long kibibytes(String meminfoLine) {
    return Long.parseLong(meminfoLine.replaceAll("[^0-9]", ""));
  }
}
