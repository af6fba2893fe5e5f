package io.sparkmemmap.write;

import java.io.IOException;
import org.apache.hadoop.fs.Path;

/** Where a streaming write puts each micro-batch's committed parts: a sink directory, or one growing file. */
abstract class StreamingOutput {
  final WriteJob job;
  final OutputTarget target;
  final OutputFiles files;

  StreamingOutput(WriteJob job, OutputTarget target, OutputFiles files) {
    this.job = job;
    this.target = target;
    this.files = files;
  }

  /**
   * Publishes the parts of micro-batch {@code epoch}, unless that epoch was already committed (a micro-batch
   * replayed after a restart), in which case it adds nothing.
   *
   * @param committed one message per partition, as Spark hands them to the commit (null: never committed)
   */
  abstract void commit(long epoch, StagedPart[] committed) throws IOException;

  /**
   * The error for a sink whose commits another streaming query recorded: epochs are counted per query, so this
   * query cannot tell which of its micro-batches are already in.
   */
  static IllegalStateException writtenByAnotherQuery(Path sink, String record, long epoch, String writer,
      String query) {
    return new IllegalStateException(sink + " is the sink of another streaming query: " + record + " records epoch "
        + epoch + " of query " + writer + ", and this query is " + query + ". A query started without its "
        + "checkpoint counts its micro-batches from 0 again: write it to a new path, or restart the query that "
        + "wrote there from its checkpoint");
  }
}
