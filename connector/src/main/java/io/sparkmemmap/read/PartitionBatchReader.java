package io.sparkmemmap.read;

import java.io.IOException;
import org.apache.spark.sql.connector.metric.CustomTaskMetric;
import org.apache.spark.sql.connector.read.PartitionReader;
import org.apache.spark.sql.vectorized.ColumnVector;
import org.apache.spark.sql.vectorized.ColumnarBatch;

/**
 * What every reader of a partition's rows shares: the rows it maps, the one batch it hands Spark again and again,
 * the task metrics of its rows, and a close that releases both once.
 */
abstract class PartitionBatchReader implements PartitionReader<ColumnarBatch> {
  final PartitionRows rows;
  final ColumnarBatch batch;
  private boolean closed;

  PartitionBatchReader(PartitionRows rows, ColumnVector[] vectors) {
    this.rows = rows;
    this.batch = new ColumnarBatch(vectors);
  }

  /** Fails a read after {@link #close}: the rows' mappings are gone. */
  final void checkOpen() {
    if (closed) {
      throw new IllegalStateException("the reader of " + rows + " is closed");
    }
  }

  @Override
  public final ColumnarBatch get() {
    return batch;
  }

  @Override
  public final CustomTaskMetric[] currentMetricsValues() {
    return TaskMetric.of(rows);
  }

  @Override
  public final void close() throws IOException {
    if (closed) {
      return;
    }
    closed = true;
    try {
      rows.close();
    } finally {
      batch.close();
    }
  }
}
