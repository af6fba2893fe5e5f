package io.sparkmemmap.read;

import java.io.IOException;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.connector.catalog.MetadataColumn;
import org.apache.spark.sql.connector.read.ScanBuilder;
import org.apache.spark.sql.types.StructType;

/**
 * The input of a read as a table sees it, resolved on the driver from headers alone: the rows of fixed-shape
 * arrays ({@link NpyDataset}) or variable-length records ({@link RecordDataset}).
 */
public interface ArrayInput {
  /** The columns the input reads as. */
  StructType schema();

  /** The hidden columns, returned only when selected. */
  MetadataColumn[] metadataColumns();

  /** A scan builder over this input; {@code tableSchema} is the schema the table reports, maybe a user's. */
  ScanBuilder newScanBuilder(StructType tableSchema, ReadOptions scanOptions);

  /** Lists the input of a read and reads its headers, by the read's format. */
  static ArrayInput resolve(ReadOptions options, Configuration conf) throws IOException {
    return options.format().records() ? RecordDataset.resolve(options, conf) : NpyDataset.resolve(options, conf);
  }
}
