package io.sparkmemmap.read;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayDeque;

/**
 * The executor's direct buffers that local files are read into, {@value #WINDOW_BYTES} bytes each, reused from task
 * to task. A direct buffer is what a positioned read fills without a copy through the JVM (a heap array is read
 * into a temporary direct buffer first, then copied), and reusing it spares the zeroing of a new one. At most
 * {@value #MAX_POOLED} are kept; a buffer returned past that, or a larger one made for rows wider than a window, is
 * freed at once ({@link Unmapper#free}), not left to the collector.
 */
final class ReadBuffers {
  /**
   * Bytes read per call, all segments together. Small enough that the read buffer stays in the CPU's caches
   * between the kernel's copy into it and the decoding out of it, large enough that the calls cost nothing: reading
   * a GiB of a hot file took 80 ms in calls of 256 KiB, 54 ms of 1 MiB, 91-104 ms of 64 MiB.
   */
  static final int WINDOW_BYTES = 1 << 20;
  static final int MAX_POOLED = 16;

  private static final ArrayDeque<ByteBuffer> POOL = new ArrayDeque<>();

  private ReadBuffers() {}

  /** A little-endian direct buffer of at least {@code bytes} bytes, cleared, for one reader's use. */
  static ByteBuffer acquire(long bytes) {
    if (bytes > Integer.MAX_VALUE - 8) {
      throw new IllegalArgumentException(bytes + " bytes do not fit one buffer");
    }
    if (bytes <= WINDOW_BYTES) {
      synchronized (POOL) {
        ByteBuffer pooled = POOL.pollFirst();
        if (pooled != null) {
          return pooled.clear();
        }
      }
    }
    return ByteBuffer.allocateDirect((int) Math.max(bytes, WINDOW_BYTES)).order(ByteOrder.LITTLE_ENDIAN);
  }

  /** Takes back a buffer from {@link #acquire}; the caller keeps no reference to it, nor to a slice of it. */
  static void release(ByteBuffer buffer) {
    if (buffer.capacity() == WINDOW_BYTES) {
      synchronized (POOL) {
        if (POOL.size() < MAX_POOLED) {
          POOL.addFirst(buffer); // the most recently used first: its pages are the likeliest to be in cache
          return;
        }
      }
    }
    Unmapper.free(buffer);
  }
}
