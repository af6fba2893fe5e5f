package io.sparkmemmap.write;

import io.sparkmemmap.read.InParallel;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.hadoop.fs.Path;

/**
 * Assembles a local single-file output while the tasks still run, so that job commit is left with the last parts
 * to copy rather than all of them. A committed part is appended as soon as every lower partition has committed,
 * and deleted once appended. The first part with rows is not copied at all: its staged file already has room for
 * the header at its front (the header's length does not depend on the row count), so it becomes the assembled file
 * and the others are appended to it. The header is written last, at {@link #finish}, when the row count is known.
 *
 * <p>Task commits are reported on Spark's scheduler thread, which must not wait for copies: all the work runs on one
 * thread of this class, in the order it was handed in, and that thread alone touches the state below. {@link #finish}
 * and {@link #close} wait for it, so nothing is written into staging after the job returns.
 */
final class SingleFileAssembly implements AutoCloseable {
  private final WriteJob job;
  private final Path file;
  private final OutputFiles.Local files = new OutputFiles.Local();
  private final ExecutorService worker;
  private volatile boolean closed;

  // owned by the worker thread
  private final TreeMap<Integer, StagedPart> committed = new TreeMap<>();
  private int next;
  private FileChannel out;
  private long end;
  private long dataOffset;
  /** What stopped the assembly: the job fails with it at commit. */
  private Exception failure;

  SingleFileAssembly(WriteJob job, Path file) {
    this.job = job;
    this.file = file;
    this.worker = Executors.newSingleThreadExecutor(task -> {
      Thread thread = new Thread(task, "spark-memmap-assemble-" + job.queryId());
      thread.setDaemon(true);
      return thread;
    });
  }

  /** A task's part, as Spark reports its commit; returns at once. */
  void committed(StagedPart part) {
    try {
      worker.execute(() -> accept(part));
    } catch (RejectedExecutionException e) {
      // the job already ended: its staging is being removed, and this part with it
    }
  }

  /**
   * Appends every committed part not appended yet, in partition order, then writes the header over the room left
   * for it; the file is then whole, ready to be renamed to the target.
   *
   * @param parts exactly the parts the job publishes: the committed attempts' parts with rows
   * @param header the header for all the rows, as long as the room the parts left for it; empty for headerless
   *     output
   */
  void finish(List<StagedPart> parts, byte[] header) throws IOException {
    Future<?> done;
    try {
      done = worker.submit(() -> {
        parts.forEach(this::accept);
        completeWith(parts, header);
        return null;
      });
    } catch (RejectedExecutionException e) {
      throw new IllegalStateException(file + ": the assembly was closed before the job committed", e);
    }
    try {
      done.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while assembling " + file, e);
    } catch (ExecutionException e) {
      throw InParallel.failureOf(e);
    }
  }

  /** Stops assembling and waits for the copy under way, so that the staging directory can be removed. */
  @Override
  public void close() {
    if (worker.isShutdown()) {
      return;
    }
    closed = true;
    worker.execute(this::closeChannel);
    worker.shutdown();
    boolean interrupted = false;
    while (true) {
      try {
        if (worker.awaitTermination(1, TimeUnit.MINUTES)) {
          break;
        }
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }

  // ---- on the worker thread ----------------------------------------------------------------------------------

  private void accept(StagedPart part) {
    if (closed || failure != null) {
      return;
    }
    StagedPart known = committed.putIfAbsent(part.partitionId(), part);
    if (known != null) {
      if (known.taskId() != part.taskId()) {
        failure = new IllegalStateException("partition " + part.partitionId() + " committed twice: by task "
            + known.taskId() + " and by task " + part.taskId());
      }
      return;
    }
    try {
      while (committed.containsKey(next)) {
        append(committed.get(next));
        next++;
      }
    } catch (IOException | RuntimeException e) {
      failure = e;
    }
  }

  private void completeWith(List<StagedPart> parts, byte[] header) throws Exception {
    if (failure != null) {
      throw failure;
    }
    if (closed) {
      throw new IllegalStateException(file + ": the assembly was closed before the job committed");
    }
    // past a partition whose commit was never reported, as only parts with rows are passed in here
    for (StagedPart part : committed.tailMap(next).values()) {
      append(part);
    }
    next = Integer.MAX_VALUE;
    long appended = committed.values().stream().mapToLong(StagedPart::rows).sum();
    long published = parts.stream().mapToLong(StagedPart::rows).sum();
    if (appended != published) {
      throw new IllegalStateException(file + ": assembled " + appended + " rows from the parts reported as "
          + "committed, but the job publishes " + published);
    }
    if (out == null) {
      out = FileChannel.open(OutputFiles.Local.nio(file), StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
      dataOffset = header.length;
    }
    if (header.length != dataOffset) {
      throw new IllegalStateException(file + ": header of " + header.length + " bytes for room of " + dataOffset);
    }
    try (FileChannel channel = out) {
      OutputFiles.Local.writeFully(channel, ByteBuffer.wrap(header), 0);
    } finally {
      out = null;
    }
  }

  /** Appends a part's rows and deletes the part; the first part with rows becomes the file itself. */
  private void append(StagedPart part) throws IOException {
    if (!part.hasRows()) {
      return;
    }
    long length = part.rows() * job.plan().rowBytes(part.lengths());
    if (out == null) {
      files.rename(part.path(), file);
      out = FileChannel.open(OutputFiles.Local.nio(file), StandardOpenOption.WRITE);
      dataOffset = part.dataOffset();
      end = dataOffset + length;
      if (out.size() != end) {
        throw new IOException(part.path() + " holds " + out.size() + " bytes, not the " + end + " of its header "
            + "and rows");
      }
      return;
    }
    end += OutputFiles.Local.copy(new ByteRange(part.path(), part.dataOffset(), length), out, end);
    Files.delete(OutputFiles.Local.nio(part.path()));
  }

  private void closeChannel() {
    if (out != null) {
      try {
        out.close();
      } catch (IOException e) {
        // the file goes with the staging directory
      }
      out = null;
    }
  }
}
