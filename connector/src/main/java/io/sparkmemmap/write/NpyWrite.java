package io.sparkmemmap.write;

import io.sparkmemmap.ArrayFormat;
import io.sparkmemmap.read.PathOptions;
import io.sparkmemmap.read.SinkCommitLog;
import java.io.IOException;
import java.io.UncheckedIOException;
import org.apache.spark.sql.connector.write.BatchWrite;
import org.apache.spark.sql.connector.write.Write;
import org.apache.spark.sql.connector.write.streaming.StreamingWrite;

/** A planned write: the bytes every row becomes, and where the output goes. */
final class NpyWrite implements Write {
  private final WriteJob job;
  private final OutputTarget target;
  private final transient OutputFiles files;

  NpyWrite(WriteJob job, OutputTarget target, OutputFiles files) {
    this.job = job;
    this.target = target;
    this.files = files;
  }

  @Override
  public String description() {
    return job.format().shortName() + " " + target.mode().name().toLowerCase(java.util.Locale.ROOT) + " to "
        + target.describe() + (target.singleFile() ? " (single file)" : "");
  }

  /**
   * A batch write; refused when it would append parts to a streaming sink's directory, where reads go by the
   * commit log and would not see them.
   */
  @Override
  public BatchWrite toBatch() {
    if (target.mode() == WriteMode.APPEND && !target.singleFile() && isStreamingSink()) {
      throw new UnsupportedOperationException(PathOptions.about(job.path(), "the directory is the sink of a "
          + "streaming query, whose commit log (" + SinkCommitLog.DIRECTORY + ") says which parts reads take in: "
          + "parts appended by a batch write would not be read. Append to it from the streaming query, or write "
          + "elsewhere"));
    }
    return new NpyBatchWrite(job, target, files);
  }

  private boolean isStreamingSink() {
    try {
      return files.state(SinkCommitLog.directoryOf(target.path())) == OutputFiles.PathState.DIRECTORY;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + target.describe(), e);
    }
  }

  /**
   * The write of one micro-batch of a streaming query; Spark plans one for each. Refused, before any task runs,
   * for output mode complete (which truncates first: every micro-batch would replace the output) and for a single
   * file that cannot grow in place with a commit point.
   */
  @Override
  public StreamingWrite toStreaming() {
    if (target.mode() == WriteMode.OVERWRITE) {
      throw new UnsupportedOperationException(PathOptions.about(job.path(), "output mode complete is not "
          + "supported by the " + job.format().shortName() + " sink, which appends each micro-batch's rows to the "
          + "array: use output mode append, or update (written as append)"));
    }
    if (target.singleFile() && (job.format() != ArrayFormat.NPY || !files.isLocal())) {
      throw new UnsupportedOperationException(PathOptions.about(job.path(), "a streaming query appends to a single "
          + "file only for format npy on the local file system, where the header's shape, rewritten in place, is "
          + "the commit point; write a directory of parts (without singleFile) instead"));
    }
    return new NpyStreamingWrite(job, target, files);
  }
}
