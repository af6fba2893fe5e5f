package io.sparkmemmap.write;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.Base64;
import java.util.HashMap;
import java.util.UUID;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.BBPartHandle;
import org.apache.hadoop.fs.BBUploadHandle;
import org.apache.hadoop.fs.CommonPathCapabilities;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.MultipartUploader;
import org.apache.hadoop.fs.PartHandle;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.UploadHandle;
import org.apache.hadoop.hdfs.DistributedFileSystem;
import org.apache.hadoop.util.functional.FutureIO;

/**
 * Publication without rename on object stores, through Hadoop's {@link MultipartUploader} (S3A's is S3's multipart
 * upload): each task uploads its part, a whole {@code .npy}, straight to the part's final key as a multipart upload
 * it does not complete, so nothing is visible; job commit completes the committed tasks' uploads; a failed task or
 * job aborts them (each upload is recorded in the job's staging directory as it begins, so that none is missed).
 * On S3 a rename is a copy of every byte and a directory rename is not atomic, so staging and
 * renaming there would copy the output twice and publish it piece by piece anyway.
 *
 * <p>Used where the file system offers a multipart uploader and is not HDFS (whose renames are atomic namenode
 * operations, and which joins a single file's parts itself).
 */
final class PartUploads {
  /** Bytes per uploaded part unless the store says otherwise ({@link #partBytes}). */
  static final long PART_BYTES = 64L << 20;
  /** S3's least part: every part of an upload but the last holds at least this many bytes. */
  static final long MIN_PART_BYTES = 5L << 20;
  /** S3's largest part. */
  static final long MAX_PART_BYTES = 5L << 30;
  /** S3's part numbers: 1 to this. */
  static final int MAX_PARTS = 10_000;
  /**
   * The journal's mark that the job is still open: made before any task runs, deleted by the job's end before it
   * waits for the tasks putting parts ({@link UploadingMark}) and reads the journal.
   */
  private static final String OPEN = "_open";
  /** Attempts of a call that an interrupt cuts short ({@link #uninterruptibly}). */
  private static final int INTERRUPTED_ATTEMPTS = 3;

  private PartUploads() {}

  /** Whether writes to {@code target} publish by completing uploads rather than by renaming staged files. */
  static boolean apply(FileSystem fs, Path target) throws IOException {
    return !"file".equals(fs.getScheme()) && !(fs instanceof DistributedFileSystem)
        && fs.hasPathCapability(target, CommonPathCapabilities.FS_MULTIPART_UPLOADER);
  }

  /**
   * Uploads a local file to {@code dst} as the parts of a multipart upload, which it leaves pending; aborts the
   * upload if any part fails. The upload is first recorded in {@code journal}, so that job commit or abort can
   * abort it even when this task's commit message never reaches the driver (the job failed meanwhile, or the
   * executor was lost): the driver gets only the messages of the tasks that committed before the job ended. The
   * task's {@link UploadingMark} keeps the job's end from aborting while a part is in flight.
   */
  static PendingUpload upload(java.nio.file.Path local, Path dst, Path journal, Configuration conf)
      throws IOException {
    long length = Files.size(local);
    long partBytes = Math.max(partBytes(dst, conf), (length + MAX_PARTS - 1) / MAX_PARTS);
    int count = (int) Math.max(1, (length + partBytes - 1) / partBytes);
    long[] sizes = new long[count];
    for (int i = 0; i < count; i++) {
      sizes[i] = Math.min(partBytes, length - i * partBytes);
    }
    UploadingMark mark = UploadingMark.enter(journal, dst, conf);
    try (MultipartUploader uploader = uploader(dst, conf)) {
      // A task the job cancels is interrupted (Spark 4 interrupts on cancel), and an upload the store began but
      // whose handle the interrupted wait never returned could be aborted by no one: the wait ignores interrupts.
      UploadHandle upload = awaitUninterruptibly(uploader.startUpload(dst));
      byte[] handle = bytes(upload.bytes());
      try {
        record(journal, dst, handle, conf);
        byte[][] parts;
        try (InputStream in = Files.newInputStream(local)) {
          parts = putParts(uploader, upload, dst, in, sizes, 1, true, mark);
        }
        if (!mark.leave()) {
          // the job's end stopped waiting for this task, and may have aborted the upload while a part was in flight
          throw jobEnded(dst);
        }
        return new PendingUpload(handle, parts);
      } catch (IOException | RuntimeException e) {
        abortQuietly(uploader, upload, dst, e);
        throw e;
      }
    } catch (IOException | RuntimeException e) {
      mark.leaveAfter(e);
      throw e;
    }
  }

  /**
   * Uploads the next bytes of {@code in} as parts of {@code sizes}, numbered from {@code first}; the last of them is
   * the object's last part if {@code endsObject} (S3A refuses a part under {@link #MIN_PART_BYTES} that is not).
   * Returns the parts' handles. Stops between parts when the task is interrupted or, for a task ({@code mark} not
   * null; the driver has none), when the job has ended.
   */
  static byte[][] putParts(MultipartUploader uploader, UploadHandle upload, Path dst, InputStream in, long[] sizes,
      int first, boolean endsObject, UploadingMark mark) throws IOException {
    byte[][] parts = new byte[sizes.length][];
    for (int i = 0; i < sizes.length; i++) {
      if (Thread.currentThread().isInterrupted()) {
        throw new java.io.InterruptedIOException("interrupted uploading " + dst);
      }
      if (mark != null && i > 0) {
        mark.checkJobOpen(); // before the first part, the task checked on entering its mark or staging its head
      }
      // a part still in flight when the abort comes could land after it, in an upload no one aborts again
      PartHandle part = awaitUninterruptibly(uploader.putPart(upload, first + i,
          endsObject && i == sizes.length - 1, dst, new BoundedStream(in, sizes[i]), sizes[i]));
      parts[i] = bytes(part.bytes());
    }
    return parts;
  }

  /**
   * Bytes per part for uploads to {@code dst}: the store's own multipart size ({@code fs.s3a.multipart.size} for
   * S3A), at least S3's least part.
   */
  static long partBytes(Path dst, Configuration conf) {
    return Math.max(MIN_PART_BYTES, conf.getLongBytes("fs." + dst.toUri().getScheme() + ".multipart.size",
        PART_BYTES));
  }

  /**
   * Stages the first {@code length} bytes of a local file at {@code target} for job commit to read, then checks that
   * the job is still open ({@link #OPEN}): if it ended meanwhile, its end may already have removed the staging
   * directory, so the staged object is deleted here and the task fails.
   */
  static void stage(java.nio.file.Path local, long length, Path target, Path journal, Configuration conf)
      throws IOException {
    FileSystem fs = target.getFileSystem(conf);
    // a cancelled task is interrupted, and an interrupted S3A call fails at once: between the object and the check
    // of the mark, that would leave the object behind
    uninterruptibly(() -> {
      // overwriting what an attempt cut short may have written: the name is this task attempt's own
      try (InputStream in = Files.newInputStream(local); FSDataOutputStream out = fs.create(target, true)) {
        new BoundedStream(in, length).transferTo(out);
      }
      if (!jobOpen(journal, conf)) {
        fs.delete(target, false);
        throw jobEnded(target);
      }
      return null;
    });
  }

  /** A call on a file system that may throw {@link IOException}. */
  interface IoCall<T> {
    T call() throws IOException;
  }

  /**
   * Runs {@code call}, which must be idempotent, with the thread's interrupt cleared, again if an interrupt cut it
   * short (a few times), then restores the interrupt: S3A fails any call made or waiting while the thread is
   * interrupted, and Spark 4 interrupts the tasks it cancels.
   */
  static <T> T uninterruptibly(IoCall<T> call) throws IOException {
    boolean interrupted = Thread.interrupted();
    try {
      for (int attempt = 1; ; attempt++) {
        try {
          return call.call();
        } catch (java.io.InterruptedIOException e) {
          interrupted |= Thread.interrupted();
          if (attempt == INTERRUPTED_ATTEMPTS) {
            throw e;
          }
        }
      }
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** Completes the upload to {@code dst}: the object appears whole. */
  static void complete(Path dst, PendingUpload pending, Configuration conf) throws IOException {
    Map<Integer, byte[]> parts = new HashMap<>();
    for (int i = 0; i < pending.parts().length; i++) {
      parts.put(i + 1, pending.parts()[i]);
    }
    try (MultipartUploader uploader = uploader(dst, conf)) {
      complete(uploader, dst, pending.upload(), parts);
    }
  }

  /** Completes an upload from its parts by number, ascending, gaps allowed: the object appears whole. */
  static void complete(MultipartUploader uploader, Path dst, byte[] upload, Map<Integer, byte[]> parts)
      throws IOException {
    Map<Integer, PartHandle> handles = new HashMap<>();
    parts.forEach((number, part) -> handles.put(number, BBPartHandle.from(ByteBuffer.wrap(part))));
    FutureIO.awaitFuture(uploader.complete(handle(upload), dst, handles));
  }

  /**
   * Aborts the upload to {@code dst}: its parts are deleted and no object appears. An upload already completed or
   * aborted is left as it is.
   */
  static void abort(Path dst, PendingUpload pending, Configuration conf) throws IOException {
    try (MultipartUploader uploader = uploader(dst, conf)) {
      FutureIO.awaitFuture(uploader.abort(handle(pending.upload()), dst));
    } catch (java.io.FileNotFoundException gone) {
      // no such upload any more
    }
  }

  /**
   * Aborts every upload recorded in {@code journal} but those of {@code published}: the uploads of tasks whose parts
   * the job does not publish (a failed job, a failed or duplicate attempt, a task that committed after the job
   * failed). An upload already completed or aborted is left as it is.
   */
  static void abortUnpublished(Path journal, List<PendingUpload> published, Configuration conf) throws IOException {
    FileSystem fs = journal.getFileSystem(conf);
    fs.delete(new Path(journal, OPEN), false);
    UploadingMark.awaitNone(journal, conf, UploadingMark.WAIT_MILLIS);
    FileStatus[] records;
    try {
      records = fs.listStatus(journal);
    } catch (java.io.FileNotFoundException e) {
      return; // no task began an upload
    }
    java.util.Set<String> kept = new java.util.HashSet<>();
    for (PendingUpload upload : published) {
      kept.add(Base64.getEncoder().encodeToString(upload.upload()));
    }
    for (FileStatus status : records) {
      if (status.getPath().getName().equals(OPEN) || UploadingMark.isMark(status.getPath().getName())) {
        continue;
      }
      String[] record;
      try (InputStream in = fs.open(status.getPath())) {
        record = new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n");
      } catch (java.io.FileNotFoundException gone) {
        // listed while a cancelled task's write of it was cut short (S3Proxy lists an object being written): that
        // task's record failed, so it aborts its upload itself; the records after this one must still be read
        continue;
      }
      if (record.length == 2 && !kept.contains(record[1])) {
        abort(new Path(URI.create(record[0])), new PendingUpload(Base64.getDecoder().decode(record[1]), null), conf);
      }
    }
  }

  /**
   * Whether the job is still open ({@link #OPEN}). What a task wrote before it found the job open is seen by the
   * job's end, which reads the journal and the staging directory only after removing the mark.
   */
  static boolean jobOpen(Path journal, Configuration conf) throws IOException {
    return uninterruptibly(() -> journal.getFileSystem(conf).exists(new Path(journal, OPEN)));
  }

  static IOException jobEnded(Path written) {
    return new IOException("the job writing " + written + " ended while this task uploaded its part");
  }

  /** Opens the journal of a job's uploads, on the driver before any task runs ({@link #OPEN}). */
  static void openJournal(Path journal, Configuration conf) throws IOException {
    Path open = new Path(journal, OPEN);
    open.getFileSystem(conf).create(open, true).close();
  }

  /** Records an upload begun: the object's URI and the upload's handle, one line each. */
  static Path record(Path journal, Path dst, byte[] upload, Configuration conf) throws IOException {
    Path file = new Path(journal, UUID.randomUUID().toString());
    try (FSDataOutputStream out = file.getFileSystem(conf).create(file, false)) {
      out.write((dst.toUri() + "\n" + Base64.getEncoder().encodeToString(upload)).getBytes(StandardCharsets.UTF_8));
    }
    return file;
  }

  static MultipartUploader uploader(Path dst, Configuration conf) throws IOException {
    return dst.getFileSystem(conf).createMultipartUploader(dst.getParent()).build();
  }

  /** The upload a handle's bytes (as {@link PendingUpload} and {@link SingleFileUpload} keep them) name. */
  static UploadHandle handle(byte[] upload) {
    return BBUploadHandle.from(ByteBuffer.wrap(upload));
  }

  /** Aborts after a failure, also when the failure is the task being killed: the abort must not be interrupted. */
  static void abortQuietly(MultipartUploader uploader, UploadHandle upload, Path dst, Exception failure) {
    try {
      awaitUninterruptibly(uploader.abort(upload, dst));
    } catch (IOException | RuntimeException e) {
      failure.addSuppressed(e);
    }
  }

  /** The future's value, waiting through interrupts, which are kept for the caller's next interruptible wait. */
  static <T> T awaitUninterruptibly(java.util.concurrent.CompletableFuture<T> future) throws IOException {
    boolean interrupted = Thread.interrupted();
    try {
      while (true) {
        try {
          return future.get();
        } catch (InterruptedException e) {
          interrupted = true;
        } catch (java.util.concurrent.ExecutionException e) {
          Throwable cause = e.getCause();
          if (cause instanceof IOException io) {
            throw io;
          }
          if (cause instanceof RuntimeException runtime) {
            throw runtime;
          }
          throw new IOException(cause);
        }
      }
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  static byte[] bytes(ByteBuffer buffer) {
    ByteBuffer copy = buffer.duplicate();
    byte[] bytes = new byte[copy.remaining()];
    copy.get(bytes);
    return bytes;
  }

  /** The next {@code size} bytes of a stream, which stays open for the parts after. */
  private static final class BoundedStream extends InputStream {
    private final InputStream in;
    private long left;

    BoundedStream(InputStream in, long size) {
      this.in = in;
      this.left = size;
    }

    @Override
    public int read() throws IOException {
      if (left <= 0) {
        return -1;
      }
      int b = in.read();
      if (b >= 0) {
        left--;
      }
      return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      if (left <= 0) {
        return -1;
      }
      int n = in.read(b, off, (int) Math.min(len, left));
      if (n > 0) {
        left -= n;
      }
      return n;
    }

    @Override
    public void close() {
      // the parts after this one read on
    }
  }
}
