package io.sparkmemmap.read;

import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.connector.read.InputPartition;
import org.apache.spark.sql.connector.read.PartitionReader;
import org.apache.spark.sql.connector.read.PartitionReaderFactory;

/** A factory of columnar readers only: the sources never read rows one at a time. */
interface ColumnarReaderFactory extends PartitionReaderFactory {
  @Override
  default boolean supportColumnarReads(InputPartition partition) {
    return true;
  }

  @Override
  default PartitionReader<InternalRow> createReader(InputPartition partition) {
    throw new UnsupportedOperationException("the npy and memmap sources read columnar batches only");
  }
}
