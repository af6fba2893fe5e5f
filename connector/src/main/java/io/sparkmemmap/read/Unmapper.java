package io.sparkmemmap.read;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.Field;
import java.nio.ByteBuffer;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Releases a file mapping at once instead of when the garbage collector finds the buffer, as Lucene's
 * {@code MMapDirectory} does on Java 17: {@code sun.misc.Unsafe.invokeCleaner} from the {@code jdk.unsupported}
 * module. A task that maps gigabytes must not leave them to the collector. Where unmapping is impossible (no such
 * method, or a JVM that refuses it) the reason is logged once, and mappings are left to the collector: reads still
 * work.
 *
 * <p>Only a buffer returned by {@code FileChannel.map} may be unmapped (never a slice or duplicate), and never one
 * that is still read: callers drop every reference first.
 *
 * <p>The unmapping itself runs on a daemon thread of its own, in the order asked: the kernel tears down one
 * page-table entry per page read, about 13 ms per GiB, which the task that read them need not wait for (it was a
 * tenth of a task summing one column of a GiB).
 */
final class Unmapper {
  private static final Logger LOG = LoggerFactory.getLogger(Unmapper.class);
  private static final MethodHandle INVOKE_CLEANER = lookup();
  private static final AtomicBoolean WARNED = new AtomicBoolean();
  private static volatile String unavailableReason;
  private static final ExecutorService RELEASER = Executors.newSingleThreadExecutor(runnable -> {
    Thread thread = new Thread(runnable, "npy-unmapper");
    thread.setDaemon(true);
    return thread;
  });

  private Unmapper() {}

  /** Unmaps {@code buffer}, an original mapped buffer no one reads any more, at once on the unmapping thread. */
  static void unmap(ByteBuffer buffer, String resourceDescription) {
    if (INVOKE_CLEANER == null) {
      warnOnce(unavailableReason);
      return;
    }
    RELEASER.execute(() -> release(buffer, resourceDescription));
  }

  private static void release(ByteBuffer buffer, String resourceDescription) {
    try {
      INVOKE_CLEANER.invokeExact(buffer);
    } catch (Throwable t) {
      warnOnce("unmapping " + resourceDescription + " failed: " + t);
    }
  }

  /**
   * Frees a direct buffer of {@code ByteBuffer.allocateDirect} no one reads any more, at once on this thread:
   * its memory is malloc'd, cheap to free, and would otherwise wait for the collector (and count against the JVM's
   * limit of direct memory until then).
   */
  static void free(ByteBuffer buffer) {
    if (INVOKE_CLEANER == null) {
      warnOnce(unavailableReason);
      return;
    }
    release(buffer, "a read buffer");
  }

  /** Waits until every unmapping asked for so far is done. */
  static void awaitPending() throws InterruptedException {
    try {
      RELEASER.submit(() -> { }).get(); // the thread runs in order: this ends after every earlier unmap
    } catch (ExecutionException e) {
      throw new IllegalStateException("the unmapping thread failed", e.getCause());
    }
  }

  /** Whether mappings are released at once. */
  static boolean canUnmap() {
    return INVOKE_CLEANER != null;
  }

  private static void warnOnce(String reason) {
    if (WARNED.compareAndSet(false, true)) {
      LOG.warn("Cannot unmap file mappings ({}); they are released when the garbage collector frees them, which "
          + "can hold address space and file handles longer than needed", reason);
    }
  }

  private static MethodHandle lookup() {
    MethodHandle cleaner;
    try {
      Class<?> unsafeClass = Class.forName("sun.misc.Unsafe");
      Field theUnsafe = unsafeClass.getDeclaredField("theUnsafe");
      theUnsafe.setAccessible(true);
      Object unsafe = theUnsafe.get(null);
      cleaner = MethodHandles.lookup().findVirtual(unsafeClass, "invokeCleaner",
          MethodType.methodType(void.class, ByteBuffer.class)).bindTo(unsafe);
    } catch (ReflectiveOperationException | RuntimeException e) {
      unavailableReason = "sun.misc.Unsafe.invokeCleaner is not available: " + e;
      return null;
    }
    // Java 23 and later deprecate Unsafe's memory access for removal and can refuse it
    // (--sun-misc-unsafe-memory-access=deny): find out once, on a direct buffer of our own, not on every mapping
    try {
      cleaner.invokeExact(ByteBuffer.allocateDirect(1));
      return cleaner;
    } catch (VirtualMachineError e) {
      throw e;
    } catch (Throwable e) {
      unavailableReason = "this JVM refuses sun.misc.Unsafe.invokeCleaner (" + e + "); Java 23 and later allow it "
          + "with --sun-misc-unsafe-memory-access=allow, which Spark's own launcher passes";
      return null;
    }
  }
}
