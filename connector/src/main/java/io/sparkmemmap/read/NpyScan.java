package io.sparkmemmap.read;

import java.util.BitSet;
import java.util.List;
import org.apache.spark.sql.connector.read.InputPartition;
import org.apache.spark.sql.connector.read.PartitionReaderFactory;
import org.apache.spark.sql.connector.read.Statistics;
import org.apache.spark.sql.connector.read.streaming.MicroBatchStream;
import org.apache.spark.sql.internal.SQLConf;
import org.apache.spark.sql.types.StructType;

/**
 * A planned read: the selected rows (all, or those pushed {@code _row_index} predicates, OFFSET and LIMIT keep) in
 * ranges of about {@code maxPartitionBytes} per partition, read into columnar batches. Reports the exact row count
 * and data size, so that Spark can broadcast small arrays.
 */
final class NpyScan extends ArrayScan {
  private final NpyDataset dataset;
  private final List<OutputColumn> outputs;

  NpyScan(NpyDataset dataset, StructType readSchema, List<OutputColumn> outputs, ReadOptions scanOptions,
      SelectedRows selection, String pushed) {
    super(dataset.describe(), readSchema, columns(readSchema), selection, scanOptions, pushed);
    this.dataset = dataset;
    this.outputs = List.copyOf(outputs);
  }

  @Override
  List<NpyInputPartition> planPartitions() {
    return PartitionPlanner.plan(selection, dataset.layout(), scanOptions);
  }

  @Override
  public PartitionReaderFactory createReaderFactory() {
    return new NpyPartitionReaderFactory(dataset.layout(), outputs, readSchema(), segmentsRead(), scanOptions
        .batchSize(), SQLConf.get().offHeapColumnVectorEnabled(), dataset.broadcastConf());
  }

  /** The segments the selected columns need: none when only metadata columns (or no columns) are read. */
  private int[] segmentsRead() {
    BitSet segments = new BitSet();
    for (OutputColumn output : outputs) {
      if (output.kind() == OutputColumn.Kind.DATA) {
        output.plan().addSegments(dataset.layout(), segments);
      }
    }
    return segments.stream().toArray();
  }

  /** A stream of the rows appended to the files and of new files, read as this scan reads its rows. */
  @Override
  public MicroBatchStream toMicroBatchStream(String checkpointLocation) {
    return new NpyMicroBatchStream(this, dataset, scanOptions, checkpointLocation);
  }

  /** The rows and bytes selected: exact, so that Spark can broadcast a small selection of a large array. */
  @Override
  public Statistics estimateStatistics() {
    return new ExactStatistics(selection.dataBytes(dataset.layout()), selection.rowCount());
  }
}
