package io.sparkmemmap.read;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Round trips to a file system awaited several at a time, on the driver or in a task: listing directories, reading
 * headers. The results come back in the order of the inputs, and a failure is the first one's in that order.
 */
public final class InParallel {
  private InParallel() {}

  /**
   * What to throw for work another thread ran and failed: its IOException (to throw) or RuntimeException (thrown
   * here) as it was, any other failure wrapped.
   */
  public static IOException failureOf(ExecutionException e) {
    if (e.getCause() instanceof IOException io) {
      return io;
    }
    if (e.getCause() instanceof RuntimeException runtime) {
      throw runtime;
    }
    return new IOException(e.getCause());
  }

  /** One input's work; a checked failure is the input's own. */
  interface Work<T, R> {
    R apply(T input) throws IOException;
  }

  /** {@code work} over {@code inputs}, {@code threads} at a time (in threads named {@code name}), in order. */
  static <T, R> List<R> map(List<T> inputs, int threads, String name, Work<T, R> work) throws IOException {
    List<R> results = new ArrayList<>();
    if (inputs.size() <= 1) {
      for (T input : inputs) {
        results.add(work.apply(input));
      }
      return results;
    }
    ExecutorService pool = Executors.newFixedThreadPool(Math.min(inputs.size(), threads), runnable -> {
      Thread thread = new Thread(runnable, name);
      thread.setDaemon(true);
      return thread;
    });
    try {
      List<Future<R>> futures = new ArrayList<>();
      for (T input : inputs) {
        futures.add(pool.submit(() -> work.apply(input)));
      }
      for (Future<R> future : futures) {
        results.add(future.get());
      }
      return results;
    } catch (ExecutionException e) {
      throw failureOf(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while awaiting " + name + " threads");
    } finally {
      pool.shutdownNow();
    }
  }
}
