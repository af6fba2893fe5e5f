package io.sparkmemmap.write;

import io.sparkmemmap.format.DType;
import io.sparkmemmap.format.NpyHeader;
import io.sparkmemmap.format.Shape;
import io.sparkmemmap.read.PathOptions;
import io.sparkmemmap.write.OutputFiles.PathState;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;

/**
 * Job commit: turns the staged parts of the committed task attempts into the output at the target path, so that
 * the output appears whole or not at all.
 *
 * <ul>
 *   <li>Directory: parts are renamed into {@code staging/out} with {@code _SUCCESS}, then that directory is renamed
 *       to the target (over an old one moved aside for overwrite). Appending renames new parts into the directory,
 *       numbered after the existing ones so that name order is row order.
 *   <li>Single file: header and every part's rows are assembled into {@code staging/assembled} with kernel-side
 *       copies (on the local file system mostly while the tasks run, by {@link SingleFileAssembly}), then renamed to
 *       the target; on HDFS the parts hold rows only and are joined behind the header by the namenode, without
 *       a copy ({@link OutputFiles#assembleParts}). Appending grows the file in place ({@link InPlaceAppend}), or
 *       rewrites it into staging and renames it over the old one where that is impossible.
 *   <li>Directory on an object store: tasks uploaded their parts to their final names as multipart uploads left
 *       pending ({@link PartUploads}); job commit completes them, without staging or rename.
 *   <li>Single file on an object store: one multipart upload the tasks put their rows in ({@link SingleFileUpload});
 *       appending to an object rewrites it in such an upload, the old data first, copied by the store where it can
 *       ({@link S3PartCopy}), else assembled through the driver.
 * </ul>
 */
final class Publisher {
  static final String SUCCESS = "_SUCCESS";
  private static final Pattern PART_NUMBER = Pattern.compile("^part-(\\d+)");

  private final WriteJob job;
  private final OutputTarget target;
  private final OutputFiles files;
  /** The single file assembled as tasks committed; null where the file is assembled here, at job commit. */
  private final SingleFileAssembly assembly;
  /** Where tasks uploaded their parts ({@link PartUploads}); null where they staged them for renaming. */
  private final PartNames uploaded;
  /** The upload tasks put the single file's parts in; null where they staged them. */
  private final SingleFileUpload singleUpload;
  /** Whether {@link #singleUpload} was completed: the one upload of the job's journal to keep. */
  private boolean singleUploadCompleted;

  Publisher(WriteJob job, OutputTarget target, OutputFiles files, SingleFileAssembly assembly, PartNames uploaded) {
    this(job, target, files, assembly, uploaded, null);
  }

  Publisher(WriteJob job, OutputTarget target, OutputFiles files, SingleFileAssembly assembly, PartNames uploaded,
      SingleFileUpload singleUpload) {
    this.job = job;
    this.target = target;
    this.files = files;
    this.assembly = assembly;
    this.uploaded = uploaded;
    this.singleUpload = singleUpload;
  }

  /** Where a single file is assembled before it is renamed to the target. */
  static Path assembledFile(WriteJob job, OutputTarget target) {
    return new Path(target.staging(), "assembled" + job.format().fileSuffix());
  }

  /** Publishes the parts, one per partition (null entries are partitions that never committed). */
  void publish(StagedPart[] committed) throws IOException {
    List<StagedPart> parts = withRows(committed);
    long[] lengths = agreedLengths(parts);
    if (target.singleFile()) {
      publishFile(parts, lengths);
    } else if (uploaded != null) {
      publishUploads(parts, lengths);
    } else {
      publishDirectory(parts, lengths, committed.length);
    }
  }

  /**
   * Removes everything staged: the attempts' files, any half-assembled output, and the uploads begun for parts that
   * are not {@code published} (all of them when the job failed).
   */
  void cleanUp(List<StagedPart> published) throws IOException {
    try {
      if (job.uploadsParts()) {
        List<PendingUpload> kept = new ArrayList<>();
        if (singleUploadCompleted) {
          kept.add(new PendingUpload(singleUpload.upload(), null));
        } else if (uploaded != null) {
          published.forEach(part -> kept.add(part.upload()));
        }
        PartUploads.abortUnpublished(uploadJournal(job), kept, job.hadoopConf().get());
      }
    } finally {
      files.deleteRecursively(target.staging());
    }
  }

  /** Where tasks record the uploads they begin ({@link PartUploads}). */
  static Path uploadJournal(WriteJob job) {
    return new Path(new Path(java.net.URI.create(job.stagingDir())), "uploads");
  }

  /** The parts that carry rows, by partition: those published. */
  static List<StagedPart> withRows(StagedPart[] committed) {
    return Arrays.stream(committed)
        .filter(p -> p != null && p.hasRows())
        .sorted(Comparator.comparingInt(StagedPart::partitionId))
        .toList();
  }

  /** The array lengths every task found; tasks that disagree wrote ragged arrays across partitions. */
  long[] agreedLengths(List<StagedPart> parts) {
    long[] agreed = null;
    StagedPart first = null;
    for (StagedPart part : parts) {
      if (agreed == null) {
        agreed = part.lengths();
        first = part;
        continue;
      }
      for (int i = 0; i < agreed.length; i++) {
        if (agreed[i] != part.lengths()[i]) {
          throw new NpyWriteException(PathOptions.about(job.path(), "column '" + job.plan().arrayColumns().get(i)
              + "' holds arrays of different lengths: " + agreed[i] + " in partition " + first.partitionId()
              + " and " + part.lengths()[i] + " in partition " + part.partitionId() + "; NumPy arrays cannot be "
              + "ragged, so pad or filter the arrays to one length first"));
        }
      }
    }
    return agreed != null ? agreed : OutputPlan.withUnknownAsZero(job.plan().initialLengths());
  }

  static List<ByteRange> rowsOf(List<StagedPart> parts, int rowBytes) {
    List<ByteRange> ranges = new ArrayList<>();
    for (StagedPart part : parts) {
      ranges.add(new ByteRange(part.path(), part.dataOffset(), part.rows() * rowBytes));
    }
    return ranges;
  }

  byte[] header(DType dtype, Shape rowShape, long rows) {
    return job.hasHeader() ? NpyHeader.encode(dtype, false, withRows(rowShape, rows)) : new byte[0];
  }

  static Shape withRows(Shape rowShape, long rows) {
    long[] dims = new long[rowShape.rank() + 1];
    dims[0] = rows;
    System.arraycopy(rowShape.dims(), 0, dims, 1, rowShape.rank());
    return Shape.of(dims);
  }

  // ---- single file -------------------------------------------------------------------------------------------

  private void publishFile(List<StagedPart> parts, long[] lengths) throws IOException {
    DType dtype = job.plan().dtype(lengths);
    Shape rowShape = job.plan().rowShape(lengths);
    int rowBytes = job.plan().rowBytes(lengths);
    long rows = parts.stream().mapToLong(StagedPart::rows).sum();
    PathState state = files.state(target.path());
    if (singleUpload != null && singleUpload.reserved() > 0) {
      appendByUpload(parts, dtype, rowShape, rows, rowBytes, state);
      return;
    }
    if (target.mode() == WriteMode.APPEND && state == PathState.FILE) {
      appendToFile(files, target.path(), job.hasHeader(), dtype, rowShape, rows, rowsOf(parts, rowBytes),
          assembledFile(job, target));
      return;
    }
    byte[] header = header(dtype, rowShape, rows);
    if (singleUpload != null) {
      publishSingleUpload(parts, header, rowBytes, state);
      return;
    }
    Path assembled = assembledFile(job, target);
    if (assembly != null) {
      assembly.finish(parts, header);
    } else {
      files.assembleParts(assembled, header, rowsOf(parts, rowBytes));
    }
    publishReplacing(assembled, state);
  }

  /**
   * Completes the upload the tasks put their parts in ({@link SingleFileUpload}): the object appears whole, over an
   * old one for overwrite (S3 replaces an object atomically), without staging or rename.
   */
  private void publishSingleUpload(List<StagedPart> parts, byte[] header, int rowBytes, PathState state)
      throws IOException {
    if (state == PathState.DIRECTORY || (state == PathState.FILE && target.mode() != WriteMode.OVERWRITE)) {
      // another writer published meanwhile
      throw new java.nio.file.FileAlreadyExistsException(target.describe(), null, "the path already exists");
    }
    if (singleUpload.complete(parts, header, null, rowBytes, job.hadoopConf().get())) {
      singleUploadCompleted = true;
    } else {
      files.assemble(target.path(), header, List.of()); // nothing to upload: an empty file
    }
  }

  /**
   * Appends to an object by completing the upload the tasks put their parts in ({@link SingleFileUpload}) behind the
   * old object's data, which the store copies: the object is replaced whole, atomically, and until then stays as it
   * was. The header and the data's head are read through the status taken first (S3A checks its reads against the
   * status's ETag), and the copies require that ETag, so that an object replaced meanwhile fails the commit rather
   * than mixing two versions. Without rows, nothing changes (the upload is aborted with the job's journal).
   */
  private void appendByUpload(List<StagedPart> parts, DType dtype, Shape rowShape, long rows, int rowBytes,
      PathState state) throws IOException {
    Path file = target.path();
    if (state != PathState.FILE) {
      throw new java.io.FileNotFoundException(target.describe() + ": the file appended to was removed or replaced by "
          + "a directory while the job ran");
    }
    Configuration conf = job.hadoopConf().get();
    org.apache.hadoop.fs.FileSystem fs = file.getFileSystem(conf);
    org.apache.hadoop.fs.FileStatus status = fs.getFileStatus(file);
    try (org.apache.hadoop.fs.FSDataInputStream in = org.apache.hadoop.util.functional.FutureIO.awaitFuture(
        fs.openFile(file).withFileStatus(status)
            .opt(org.apache.hadoop.fs.Options.OpenFileOptions.FS_OPTION_OPENFILE_READ_POLICY,
                org.apache.hadoop.fs.Options.OpenFileOptions.FS_OPTION_OPENFILE_READ_POLICY_RANDOM)
            .build())) {
      long offset = 0;
      long length = status.getLen();
      byte[] header = new byte[0];
      if (job.hasHeader()) {
        NpyHeader old = NpyHeader.read(new java.io.BufferedInputStream(in), file.toString());
        InPlaceAppend.checkAppendable(old, dtype, rowShape, file.toString());
        offset = old.dataOffset();
        length = old.dataLength();
        if (status.getLen() < offset + length) {
          throw new IOException(file + " is truncated: its header describes " + length + " bytes of data but the "
              + "object ends " + (offset + length - status.getLen()) + " bytes short");
        }
        header = NpyHeader.encode(dtype, false, InPlaceAppend.grownShape(old.shape(), rows));
      }
      if (rows == 0) {
        return;
      }
      SingleFileUpload.OldData appended = new SingleFileUpload.OldData(in, status, offset, length);
      singleUploadCompleted = singleUpload.complete(parts, header, appended, rowBytes, conf);
    }
  }

  /**
   * Appends {@code rows} rows of {@code dtype} and {@code rowShape} (the bytes of {@code ranges}) to the existing
   * {@code file}: in place where the file system and the header allow ({@link InPlaceAppend}), else by assembling
   * old and new rows at {@code assembled} and renaming that over the file. Either way the old array stays readable
   * until the new one is whole.
   */
  static void appendToFile(OutputFiles files, Path file, boolean hasHeader, DType dtype, Shape rowShape, long rows,
      List<ByteRange> ranges, Path assembled) throws IOException {
    if (files.isLocal()) {
      Optional<InPlaceAppend> inPlace = InPlaceAppend.open(file, hasHeader, dtype, rowShape, rows);
      if (inPlace.isPresent()) {
        try (InPlaceAppend append = inPlace.get()) {
          append.appendData(ranges);
          append.commitHeader();
        }
        return;
      }
    }
    // the whole array again, old rows then new, published by one rename over the old file
    List<ByteRange> all = new ArrayList<>();
    byte[] header;
    if (hasHeader) {
      NpyHeader old = files.readHeader(file);
      InPlaceAppend.checkAppendable(old, dtype, rowShape, file.toString());
      all.add(new ByteRange(file, old.dataOffset(), old.dataLength()));
      header = NpyHeader.encode(dtype, false, InPlaceAppend.grownShape(old.shape(), rows));
    } else {
      all.add(new ByteRange(file, 0, files.length(file)));
      header = new byte[0];
    }
    all.addAll(ranges);
    files.assemble(assembled, header, all);
    files.replace(assembled, file);
  }

  // ---- directory ---------------------------------------------------------------------------------------------

  private void publishDirectory(List<StagedPart> parts, long[] lengths, int partitions) throws IOException {
    PathState state = files.state(target.path());
    String suffix = job.format().fileSuffix();
    if (target.mode() == WriteMode.APPEND && state == PathState.DIRECTORY) {
      int next = nextPartNumber(files.list(target.path()));
      int width = digits(next + parts.size());
      for (int i = 0; i < parts.size(); i++) {
        files.rename(parts.get(i).path(), new Path(target.path(), partName(next + i, width, suffix)));
      }
      files.createEmptyFile(new Path(target.path(), SUCCESS));
      return;
    }
    Path out = new Path(target.staging(), "out");
    files.mkdirs(out);
    int width = digits(Math.max(parts.size(), partitions));
    for (int i = 0; i < parts.size(); i++) {
      files.rename(parts.get(i).path(), new Path(out, partName(i, width, suffix)));
    }
    if (parts.isEmpty()) {
      // no rows: one part that still tells readers the dtype
      DType dtype = job.plan().dtype(lengths);
      files.assemble(new Path(out, partName(0, width, suffix)), header(dtype, job.plan().rowShape(lengths), 0),
          List.of());
    }
    files.createEmptyFile(new Path(out, SUCCESS));
    publishReplacing(out, state);
  }

  private String partName(int number, int width, String suffix) {
    return PartNames.name(number, width, job.queryId(), suffix);
  }

  private static int digits(int count) {
    return PartNames.digits(count);
  }

  /** The number after the highest {@code part-N} in a directory, so that new parts sort after old ones. */
  static int nextPartNumber(List<String> names) {
    int next = 0;
    for (String name : names) {
      Matcher m = PART_NUMBER.matcher(name);
      if (m.find() && m.group(1).length() < 10) {
        next = Math.max(next, Integer.parseInt(m.group(1)) + 1);
      }
    }
    return next;
  }

  // ---- directory of uploaded parts ---------------------------------------------------------------------------

  /**
   * Completes the tasks' uploads in the target directory, each part appearing whole, then writes {@code _SUCCESS}.
   * Overwrite deletes the old output here, at commit, so that a failed job leaves it as it was. An object store has
   * no atomic directory replace: a reader listing the directory during the commit may see some parts, and
   * {@code _SUCCESS} marks the output complete. If a completion fails, the parts completed are deleted.
   */
  private void publishUploads(List<StagedPart> parts, long[] lengths) throws IOException {
    Path dir = target.path();
    PathState state = files.state(dir);
    boolean appending = state == PathState.DIRECTORY && target.mode() == WriteMode.APPEND;
    if (state != PathState.MISSING && target.mode() == WriteMode.OVERWRITE) {
      files.deleteRecursively(dir);
    } else if (state != PathState.MISSING && !appending) {
      // another writer published meanwhile
      throw new java.nio.file.FileAlreadyExistsException(dir.toString(), null, "the path already exists");
    }
    Configuration conf = job.hadoopConf().get();
    List<Path> completed = new ArrayList<>();
    try {
      for (StagedPart part : parts) {
        PartUploads.complete(part.path(), part.upload(), conf);
        completed.add(part.path());
      }
      if (parts.isEmpty() && !appending) {
        // no rows: one part that still tells readers the dtype
        files.assemble(uploaded.path(0), header(job.plan().dtype(lengths), job.plan().rowShape(lengths), 0),
            List.of());
      }
      files.createEmptyFile(new Path(dir, SUCCESS));
    } catch (IOException | RuntimeException e) {
      for (Path part : completed) {
        try {
          files.deleteRecursively(part);
        } catch (IOException cleanUp) {
          e.addSuppressed(cleanUp);
        }
      }
      throw e;
    }
  }

  // ---- the final rename --------------------------------------------------------------------------------------

  /**
   * Renames the staged output to the target. Create and append-to-nothing refuse to replace anything (another
   * writer may have published meanwhile); overwrite moves the old output aside first and deletes it with the
   * staging directory, restoring it if the rename fails.
   */
  private void publishReplacing(Path staged, PathState state) throws IOException {
    publishReplacing(files, target, staged, state);
  }

  /** {@link #publishReplacing(Path, PathState)} for any job's {@code staged} output. */
  static void publishReplacing(OutputFiles files, OutputTarget target, Path staged, PathState state)
      throws IOException {
    Path path = target.path();
    if (target.mode() != WriteMode.OVERWRITE || state == PathState.MISSING) {
      files.rename(staged, path);
      return;
    }
    if (state == PathState.FILE && target.singleFile()) {
      files.replace(staged, path);
      return;
    }
    Path replaced = new Path(target.staging(), "replaced");
    files.rename(path, replaced);
    try {
      files.rename(staged, path);
    } catch (IOException | RuntimeException e) {
      try {
        files.rename(replaced, path);
      } catch (IOException restore) {
        e.addSuppressed(restore);
      }
      throw e;
    }
  }
}
