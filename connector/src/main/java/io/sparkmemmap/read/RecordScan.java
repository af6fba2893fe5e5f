package io.sparkmemmap.read;

import java.util.List;
import org.apache.spark.sql.connector.read.PartitionReaderFactory;
import org.apache.spark.sql.connector.read.Statistics;
import org.apache.spark.sql.internal.SQLConf;
import org.apache.spark.sql.types.StructType;

/**
 * A planned read of records: the selected record ranges of each input, packed into partitions by the planner of
 * arrays ({@link RecordDataset#planningLayout}), each task reading its slice of the index and its records' bytes.
 */
final class RecordScan extends ArrayScan {
  private final RecordDataset dataset;
  private final List<RecordOutput> outputs;

  RecordScan(RecordDataset dataset, StructType readSchema, List<RecordOutput> outputs, ReadOptions scanOptions,
      SelectedRows selection, String pushed) {
    super(dataset.describe(), readSchema, columns(readSchema), selection, scanOptions, pushed);
    this.dataset = dataset;
    this.outputs = List.copyOf(outputs);
  }

  @Override
  List<NpyInputPartition> planPartitions() {
    return PartitionPlanner.plan(selection, dataset.planningLayout(), scanOptions);
  }

  @Override
  public PartitionReaderFactory createReaderFactory() {
    return new RecordReaderFactory(dataset.indexesByDataPath(), outputs, readSchema(), dataset.elementReader(),
        dataset.elementType().itemSize(), scanOptions.batchSize(), SQLConf.get().offHeapColumnVectorEnabled(),
        dataset.broadcastConf());
  }

  /** The records selected, and their bytes by the average record. */
  @Override
  public Statistics estimateStatistics() {
    return new ExactStatistics(selection.dataBytes(dataset.planningLayout()), selection.rowCount());
  }
}
