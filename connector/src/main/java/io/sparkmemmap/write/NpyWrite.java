package io.sparkmemmap.write;

import org.apache.spark.sql.connector.write.BatchWrite;
import org.apache.spark.sql.connector.write.Write;

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
}
