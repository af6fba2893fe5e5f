package io.sparkmemmap.read;

import java.util.OptionalLong;
import org.apache.spark.sql.connector.read.Statistics;

/** Statistics a scan knows from the headers: bytes and rows. */
record ExactStatistics(long bytes, long rows) implements Statistics {
  @Override
  public OptionalLong sizeInBytes() {
    return OptionalLong.of(bytes);
  }

  @Override
  public OptionalLong numRows() {
    return OptionalLong.of(rows);
  }
}
