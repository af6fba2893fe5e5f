package io.sparkmemmap.write;

import io.sparkmemmap.ArrayFormat;
import io.sparkmemmap.read.PathOptions;
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

  @Override
  public BatchWrite toBatch() {
    return new NpyBatchWrite(job, target, files);
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
