package io.sparkmemmap.write;

import io.sparkmemmap.read.PathOptions;
import io.sparkmemmap.read.SinkCommitLog;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * A streaming sink that adds each micro-batch's parts to a directory, each a whole {@code .npy} renamed in, and
 * then commits the micro-batch by an entry of the directory's commit log ({@link SinkCommitLog}), which is what a
 * read of the directory by this connector goes by.
 *
 * <p>Parts are named {@code part-<epoch>-<partition>-<query id>.npy}, epochs in ten digits, so that name order is
 * row order for NumPy users too. Commit of epoch {@code e}: if the log has an entry for {@code e}, the micro-batch
 * is a replay and adds nothing. Otherwise the parts of {@code e} a crash left before its entry was written are
 * removed, the new parts are renamed in, and the entry, written beside the log, is renamed into it. A crash before
 * the entry leaves parts no read takes in, which the replay replaces; a crash after it leaves the micro-batch
 * committed, and its replay finds the entry. The log is made before the first part, so a directory holding parts
 * always has it. Every {@link SinkCommitLog#COMPACT_INTERVAL}th entry lists the files of all epochs so far.
 */
final class DirectorySink extends StreamingOutput {
  DirectorySink(WriteJob job, OutputTarget target, OutputFiles files) {
    super(job, target, files);
  }

  @Override
  void commit(long epoch, StagedPart[] committed) throws IOException {
    List<StagedPart> parts = Publisher.withRows(committed);
    new Publisher(job, target, files, null, null).agreedLengths(parts);
    Path dir = target.path();
    FileSystem fs = dir.getFileSystem(job.hadoopConf().get());
    if (!SinkCommitLog.exists(fs, dir)) {
      refuseFilesWrittenElsewhere(dir);
      files.mkdirs(SinkCommitLog.directoryOf(dir));
    }
    Optional<SinkCommitLog.Entry> latest = SinkCommitLog.latest(fs, dir);
    if (latest.isPresent() && !latest.get().queryId().equals(job.queryId())) {
      throw StreamingOutput.writtenByAnotherQuery(dir, SinkCommitLog.DIRECTORY + "/" + latest.get().epoch(),
          latest.get().epoch(), latest.get().queryId(), job.queryId());
    }
    if (SinkCommitLog.entry(fs, dir, epoch).isPresent()) {
      return;
    }
    String prefix = String.format("part-%010d-", epoch);
    String suffix = "-" + job.queryId() + job.format().fileSuffix();
    for (String name : files.list(dir)) {
      if (name.startsWith(prefix) && name.endsWith(suffix)) {
        files.deleteRecursively(new Path(dir, name)); // published by an attempt of this epoch cut short
      }
    }
    List<String> names = new ArrayList<>();
    for (int i = 0; i < parts.size(); i++) {
      String name = prefix + String.format("%05d", i) + suffix;
      files.rename(parts.get(i).path(), new Path(dir, name));
      names.add(name);
    }
    CommitPoints.passed(CommitPoints.PARTS_PUBLISHED, epoch);
    Path entry = SinkCommitLog.entryPath(dir, epoch);
    Path written = new Path(entry.getParent(), "." + entry.getName() + ".tmp");
    files.deleteRecursively(written);
    List<String> listed = names;
    if (SinkCommitLog.isCompact(epoch)) {
      listed = new ArrayList<>(SinkCommitLog.filesUpTo(fs, dir, epoch - 1));
      listed.addAll(names);
    }
    files.assemble(written, new SinkCommitLog.Entry(epoch, job.queryId(), listed).encode(), List.of());
    files.rename(written, entry);
    CommitPoints.passed(CommitPoints.LOG_WRITTEN, epoch);
  }

  /**
   * A directory of arrays written otherwise (a batch write, NumPy) is not made a sink: its files are not in the
   * log, so reads would no longer see them.
   */
  private void refuseFilesWrittenElsewhere(Path dir) throws IOException {
    if (files.state(dir) != OutputFiles.PathState.DIRECTORY) {
      return;
    }
    for (String name : files.list(dir)) {
      if (name.endsWith(job.format().fileSuffix()) && !name.startsWith(".") && !name.startsWith("_")) {
        throw new IllegalArgumentException(PathOptions.about(job.path(), "a streaming query writes its parts into "
            + "a directory of its own, with a commit log (" + SinkCommitLog.DIRECTORY + ") that reads go by, and "
            + "this directory already holds " + name + ", written otherwise, which reads would then leave out: "
            + "write the stream to a new or empty directory"));
      }
    }
  }
}
