package io.sparkmemmap.write;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A task's mark in its job's upload journal ({@link PartUploads}) while it puts parts, so that the job's end aborts
 * uploads only once no part is in flight. An abort that meets a part in flight may leave that part stored (S3 asks
 * for such an abort to be repeated), and S3Proxy's fails half done, leaving an upload that no later abort reaches.
 *
 * <p>The handshake: a task makes its mark, then checks that the job is open ({@link PartUploads#jobOpen}); the job's
 * end removes the open mark, then waits for the tasks' marks to go ({@link #awaitNone}). Either the task sees the
 * job ended and puts nothing, or the job's end sees its mark. The task checks again before each part, so the job's
 * end waits for one part at most, unless an executor was lost with its mark: after {@link #WAIT_MILLIS} the job's
 * end removes the marks left and goes on, and a task that then finds its mark gone aborts what it put itself.
 */
final class UploadingMark {
  private static final Logger LOG = LoggerFactory.getLogger(UploadingMark.class);
  private static final String PREFIX = "_uploading-";
  /** How long the job's end waits for tasks to finish the part they are putting. */
  static final long WAIT_MILLIS = 120_000;

  private final Path journal;
  private final Path mark;
  private final Path dst;
  private final Configuration conf;
  /** Null until the mark is removed, then whether this task removed it (the job's end waited for it). */
  private Boolean waitedFor;

  private UploadingMark(Path journal, Path mark, Path dst, Configuration conf) {
    this.journal = journal;
    this.mark = mark;
    this.dst = dst;
    this.conf = conf;
  }

  /** Whether {@code name}, a file of a journal, is a task's mark. */
  static boolean isMark(String name) {
    return name.startsWith(PREFIX);
  }

  /** Makes a task's mark before it uploads parts to {@code dst}; fails, leaving none, if the job has ended. */
  static UploadingMark enter(Path journal, Path dst, Configuration conf) throws IOException {
    Path mark = new Path(journal, PREFIX + UUID.randomUUID());
    FileSystem fs = mark.getFileSystem(conf);
    // a cancelled task is interrupted, and an interrupted S3A call fails at once, maybe after the object was made
    PartUploads.uninterruptibly(() -> {
      fs.create(mark, true).close();
      return null;
    });
    UploadingMark entered = new UploadingMark(journal, mark, dst, conf);
    try {
      entered.checkJobOpen();
    } catch (IOException e) {
      entered.leaveAfter(e);
      throw e;
    }
    return entered;
  }

  /** Fails if the job has ended: the task puts no further part. */
  void checkJobOpen() throws IOException {
    if (!PartUploads.jobOpen(journal, conf)) {
      throw PartUploads.jobEnded(dst);
    }
  }

  /**
   * Removes the mark, once. Returns false when the job's end had stopped waiting and removed it first: a part this
   * task put may then have landed after the job aborted the upload, and the task must abort it again.
   */
  boolean leave() throws IOException {
    if (waitedFor == null) {
      FileSystem fs = mark.getFileSystem(conf);
      // gone while the job is open: this task's own delete, cut short by an interrupt and retried (the job's end
      // removes marks only after the open mark)
      waitedFor = PartUploads.uninterruptibly(() -> fs.delete(mark, false)) || PartUploads.jobOpen(journal, conf);
    }
    return waitedFor;
  }

  /** {@link #leave()} after {@code failure}, whose suppressed exceptions get any failure to; false if it failed. */
  boolean leaveAfter(Exception failure) {
    try {
      return leave();
    } catch (IOException | RuntimeException e) {
      failure.addSuppressed(e);
      return false;
    }
  }

  /**
   * On the driver, once the job's open mark is gone: waits until no task is putting a part, at most
   * {@code waitMillis}, then removes the marks left (their tasks, if alive, abort what they put).
   */
  static void awaitNone(Path journal, Configuration conf, long waitMillis) throws IOException {
    FileSystem fs = journal.getFileSystem(conf);
    long deadline = System.nanoTime() + waitMillis * 1_000_000;
    long pause = 20;
    for (List<Path> marks = marks(fs, journal); !marks.isEmpty(); marks = marks(fs, journal)) {
      if (System.nanoTime() - deadline > 0) {
        LOG.warn("{} task(s) writing under {} still held their upload marks after {} ms (lost executors?); their "
            + "uploads are aborted now", marks.size(), journal, waitMillis);
        for (Path mark : marks) {
          fs.delete(mark, false);
        }
        return;
      }
      try {
        Thread.sleep(pause);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new InterruptedIOException("interrupted waiting for the tasks uploading under " + journal);
      }
      pause = Math.min(2 * pause, 500);
    }
  }

  private static List<Path> marks(FileSystem fs, Path journal) throws IOException {
    List<Path> marks = new ArrayList<>();
    try {
      for (FileStatus status : fs.listStatus(journal)) {
        if (isMark(status.getPath().getName())) {
          marks.add(status.getPath());
        }
      }
    } catch (java.io.FileNotFoundException e) {
      // no journal: no task began
    }
    return marks;
  }
}
