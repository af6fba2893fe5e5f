package io.sparkmemmap.write;

import static io.sparkmemmap.write.PartUploads.MAX_PARTS;
import static io.sparkmemmap.write.PartUploads.MAX_PART_BYTES;
import static io.sparkmemmap.write.PartUploads.MIN_PART_BYTES;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.Serializable;
import java.net.URI;
import java.nio.file.Files;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.MultipartUploader;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.UploadHandle;

/**
 * A single file on an object store written as one multipart upload whose parts the tasks upload themselves, so that
 * the rows do not go through the driver: the driver begins the upload before any task runs (recorded in the job's
 * journal, so that a failed job aborts it, {@link PartUploads}) and completes it at job commit; no object exists
 * until then, and an old one stays as it was if the job fails.
 *
 * <p>S3's rules shape the parts: every part but the last holds at least {@link PartUploads#MIN_PART_BYTES}, part
 * numbers run from 1 to {@link PartUploads#MAX_PARTS} in ascending order with gaps allowed, and the header, whose
 * row count is known only at commit, comes first. Partition {@code p} owns the {@code block} numbers from
 * {@code 1 + p * block}: the first is the driver's, for a part of the bytes pending before the partition; the others
 * are the task's. A task with {@code L} bytes of rows
 *
 * <ul>
 *   <li>stages its head, the first {@code min(L, 5 MiB)} bytes (all {@code L} below 10 MiB), as an object in the
 *       staging directory, where the driver can read it if it needs it (not in its commit message: the driver would
 *       hold every task's head at once, and Spark caps what tasks return to it, {@code spark.driver.maxResultSize});
 *   <li>uploads, when {@code L >= 5 MiB}, the head as its first part and the rest in parts of at least the store's
 *       part size, the remainder joined to the last part, so that every part holds at least 5 MiB.
 * </ul>
 *
 * At commit the driver walks the partitions in order with the header as pending bytes: a partition with fewer than
 * 5 MiB has only its staged bytes, which join the pending ones; a partition with parts is taken as uploaded when
 * nothing is pending, and otherwise the pending bytes and its staged head become one part (at least 5 MiB, the head
 * alone having that much) under the number of the task's head part, which it replaces (S3 keeps the last part put
 * under a number; a part put and left out of the completion would stay on some stores, S3Proxy's among them).
 * Pending bytes of 5 MiB or more, met before a partition under 5 MiB, become a part of their own under that
 * partition's driver number; what is pending at the end is the last part, of any size, under number 10 000. The
 * driver thus reads and uploads the header, the head of the first partition with rows (5 to 10 MiB) and the rows of
 * partitions smaller than 5 MiB (with the head of the partition after them): never the bulk of the rows, and never
 * more than 20 MiB at once. Tasks' commit messages hold only handles.
 *
 * <p>An append to an object rewrites it (S3 cannot change an object), on the store alone where it can copy a part
 * from a range of an object ({@link #copiesParts}: S3A): the old object's data, its bytes after its header, come
 * first, under the {@code reserved} part numbers before partition 0's block. The driver reads their first 5 MiB (all
 * of them below 10 MiB) and uploads them behind the new header as part 1; the store copies the rest into parts 2 on
 * ({@link S3PartCopy}, parts of at most 5 GiB); the walk above then goes on with nothing pending. The old object
 * stays as it was until the upload completes, and the copies name the version whose header was read (its ETag).
 *
 * @param object URI of the single file
 * @param upload the upload's handle
 * @param block part numbers per partition
 * @param partBytes the store's part size ({@link PartUploads#partBytes})
 * @param reserved part numbers before partition 0's block, for the data of the object appended to; 0 for none
 */
record SingleFileUpload(String object, byte[] upload, int block, long partBytes, int reserved)
    implements Serializable {
  /** The least block: the driver's number, a head part and one more part. */
  static final int MIN_BLOCK = 3;

  /**
   * Whether an append to an object of {@code fs} can be uploaded without the old object's bytes passing through the
   * driver: the store copies them into parts ({@link S3PartCopy}, S3A's, known by its class name so that S3A's
   * classes are not loaded where they are absent).
   */
  static boolean copiesParts(FileSystem fs) {
    return S3PartCopy.S3A_FILE_SYSTEM.equals(fs.getClass().getName());
  }

  /**
   * Begins the upload of {@code dst} for {@code partitions} tasks, recorded in {@code journal}; empty where the
   * partitions are too many for a block each (then the parts are staged and assembled by the driver, as before).
   *
   * @param appendedBytes for an append, the length of the object appended to, whose data the upload begins with
   *     ({@link #copiesParts}); -1 for none
   */
  static Optional<SingleFileUpload> begin(Path dst, Path journal, int partitions, long appendedBytes,
      Configuration conf) throws IOException {
    int reserved = appendedBytes < 0 ? 0 : 1 + (int) ceilDiv(appendedBytes, MAX_PART_BYTES);
    int block = partitions == 0 ? 0 : (MAX_PARTS - 1 - reserved) / partitions;
    if (block < MIN_BLOCK) {
      return Optional.empty();
    }
    try (MultipartUploader uploader = PartUploads.uploader(dst, conf)) {
      UploadHandle handle = PartUploads.awaitUninterruptibly(uploader.startUpload(dst));
      byte[] upload = PartUploads.bytes(handle.bytes());
      try {
        PartUploads.record(journal, dst, upload, conf);
      } catch (IOException | RuntimeException e) {
        PartUploads.abortQuietly(uploader, handle, dst, e);
        throw e;
      }
      return Optional.of(new SingleFileUpload(dst.toUri().toString(), upload, block,
          PartUploads.partBytes(dst, conf), reserved));
    }
  }

  Path path() {
    return new Path(URI.create(object));
  }

  /** The driver's part number before partition {@code partition}'s own. */
  private int driverPart(int partition) {
    return 1 + reserved + partition * block;
  }

  private static long ceilDiv(long bytes, long per) {
    return (bytes + per - 1) / per;
  }

  // ---- in a task ---------------------------------------------------------------------------------------------

  /**
   * Uploads the rows of partition {@code partition} (all of the local file) as parts of its block and stages its
   * head at {@code staged}. Returns the handles of the parts, the head's first; none for rows under 5 MiB, which
   * are all staged. While it does, its {@link UploadingMark} keeps the job's end from aborting the upload; if the
   * job's end stopped waiting for it, removes what it wrote, aborts the upload again and fails.
   */
  PendingUpload uploadPart(java.nio.file.Path local, int partition, Path staged, Path journal, Configuration conf)
      throws IOException {
    long length = Files.size(local);
    long head = length < 2 * MIN_PART_BYTES ? length : MIN_PART_BYTES;
    long[] sizes = length < MIN_PART_BYTES ? new long[0] : partSizes(partition, length, head);
    Path dst = path();
    UploadingMark mark = UploadingMark.enter(journal, dst, conf);
    byte[][] parts;
    try {
      PartUploads.stage(local, head, staged, journal, conf);
      try (MultipartUploader uploader = PartUploads.uploader(dst, conf);
          InputStream in = Files.newInputStream(local)) {
        parts = PartUploads.putParts(uploader, handle(), dst, in, sizes, driverPart(partition) + 1, false, mark);
      }
    } catch (IOException | RuntimeException e) {
      if (!mark.leaveAfter(e)) {
        removeAfterJobEnded(staged, conf, e);
      }
      throw e;
    }
    if (!mark.leave()) {
      IOException ended = PartUploads.jobEnded(dst);
      removeAfterJobEnded(staged, conf, ended);
      throw ended;
    }
    return new PendingUpload(upload, parts);
  }

  /**
   * Deletes the staged head and aborts the upload again: the job's end stopped waiting for this task, so a part
   * it put may have landed after the job aborted the upload. Failures go to {@code failure}'s suppressed ones.
   */
  private void removeAfterJobEnded(Path staged, Configuration conf, Exception failure) {
    try {
      PartUploads.uninterruptibly(() -> {
        staged.getFileSystem(conf).delete(staged, false);
        PartUploads.abort(path(), new PendingUpload(upload, null), conf);
        return null;
      });
    } catch (IOException | RuntimeException e) {
      failure.addSuppressed(e);
    }
  }

  /** The head, then the rest in parts of at least {@link #partBytes}, within the partition's block. */
  private long[] partSizes(int partition, long length, long head) throws IOException {
    long rest = length - head;
    if (rest == 0) {
      return new long[] {head};
    }
    int room = block - 2;
    long size = Math.max(partBytes, (rest + room - 1) / room);
    int count = (int) Math.max(1, rest / size);
    long last = rest - (count - 1) * size;
    if (last > MAX_PART_BYTES) {
      throw new IOException("partition " + partition + " holds " + length + " bytes of rows, more than the "
          + room + " parts of at most " + MAX_PART_BYTES + " bytes its share of one upload to " + object
          + " allows: write it in more partitions, or as a directory");
    }
    long[] sizes = new long[count + 1];
    sizes[0] = head;
    java.util.Arrays.fill(sizes, 1, count, size);
    sizes[count] = last;
    return sizes;
  }

  // ---- on the driver, at job commit --------------------------------------------------------------------------

  /**
   * Uploads the header and the staged bytes that join the tasks' parts, then completes the upload: the file
   * appears whole. Returns false, uploading nothing, when there is nothing at all to upload (headerless output
   * without rows).
   *
   * @param parts the published parts with rows, by partition
   * @param appended for an append, the data of the object appended to, which comes first; null for none
   */
  boolean complete(List<StagedPart> parts, byte[] header, OldData appended, int rowBytes, Configuration conf)
      throws IOException {
    Path dst = path();
    FileSystem fs = dst.getFileSystem(conf);
    Map<Integer, byte[]> numbered = new TreeMap<>();
    ByteArrayOutputStream pending = new ByteArrayOutputStream();
    pending.write(header);
    try (MultipartUploader uploader = PartUploads.uploader(dst, conf)) {
      if (appended != null) {
        putOldData(uploader, fs, appended, pending, numbered);
      }
      for (StagedPart part : parts) {
        byte[][] uploaded = part.upload().parts();
        int own = driverPart(part.partitionId());
        if (uploaded.length == 0) {
          if (pending.size() >= MIN_PART_BYTES) {
            numbered.put(own, put(uploader, own, pending, false));
            pending.reset();
          }
          byte[] rows = read(fs, part.path());
          if (rows.length != part.rows() * rowBytes) {
            throw new IOException(part.path() + " holds " + rows.length + " bytes, not the " + part.rows()
                + " rows of " + rowBytes + " bytes partition " + part.partitionId() + " committed");
          }
          pending.write(rows);
          continue;
        }
        int first = 0;
        if (pending.size() > 0) {
          // in place of the task's head part, which the upload must not keep unlisted (S3Proxy would)
          pending.write(read(fs, part.path()));
          numbered.put(own + 1, put(uploader, own + 1, pending, false));
          pending.reset();
          first = 1;
        }
        for (int i = first; i < uploaded.length; i++) {
          numbered.put(own + 1 + i, uploaded[i]);
        }
      }
      if (pending.size() > 0) {
        numbered.put(MAX_PARTS, put(uploader, MAX_PARTS, pending, true));
      }
      if (numbered.isEmpty()) {
        return false;
      }
      PartUploads.complete(uploader, dst, upload, numbered);
      return true;
    }
  }

  /**
   * The old object's data as the upload's first parts: its head read into {@code pending} (all of it below 10 MiB,
   * which then joins what follows), else the head behind the header as part 1 and the rest copied by the store.
   */
  private void putOldData(MultipartUploader uploader, FileSystem fs, OldData old, ByteArrayOutputStream pending,
      Map<Integer, byte[]> numbered) throws IOException {
    long head = old.length() < 2 * MIN_PART_BYTES ? old.length() : MIN_PART_BYTES;
    byte[] bytes = new byte[(int) head];
    old.in().readFully(old.offset(), bytes, 0, bytes.length);
    pending.write(bytes);
    if (head == old.length()) {
      return;
    }
    numbered.put(1, put(uploader, 1, pending, false));
    pending.reset();
    long rest = old.length() - head;
    int copies = (int) ceilDiv(rest, MAX_PART_BYTES);
    if (1 + copies > reserved) {
      throw new IOException(old.status().getPath() + " grew to " + old.status().getLen() + " bytes while this job "
          + "appended to it, more than the " + reserved + " parts planned for its data");
    }
    long size = ceilDiv(rest, copies);
    for (int i = 0; i < copies; i++) {
      long from = head + i * size;
      int number = 2 + i;
      numbered.put(number, S3PartCopy.copy(fs, old.status(), old.offset() + from, Math.min(size, old.length() - from),
          path(), upload, number));
    }
  }

  /**
   * The data of the object an append rewrites: {@code length} bytes from {@code offset} of the version
   * {@code status} describes, open as {@code in}.
   */
  record OldData(FSDataInputStream in, FileStatus status, long offset, long length) {}

  private byte[] put(MultipartUploader uploader, int number, ByteArrayOutputStream bytes, boolean last)
      throws IOException {
    return PartUploads.putParts(uploader, handle(), path(), new ByteArrayInputStream(bytes.toByteArray()),
        new long[] {bytes.size()}, number, last, null)[0];
  }

  private static byte[] read(FileSystem fs, Path staged) throws IOException {
    try (InputStream in = fs.open(staged)) {
      return in.readAllBytes();
    }
  }

  private UploadHandle handle() {
    return PartUploads.handle(upload);
  }
}
