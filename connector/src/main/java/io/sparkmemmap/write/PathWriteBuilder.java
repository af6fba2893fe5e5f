package io.sparkmemmap.write;

import java.util.Map;
import org.apache.spark.sql.connector.write.LogicalWriteInfo;
import org.apache.spark.sql.connector.write.SupportsTruncate;
import org.apache.spark.sql.connector.write.Write;
import org.apache.spark.sql.connector.write.WriteBuilder;
import org.apache.spark.sql.types.StructType;

/**
 * What every format's write builder shares: the path, the options of the table the write goes through, the write's
 * own description, and the save mode, which {@link #truncate()} turns into an overwrite. Each format plans its write
 * from the schema, the write's options and the query's id ({@link #plan}).
 */
abstract class PathWriteBuilder implements WriteBuilder, SupportsTruncate {
  final String path;
  final Map<String, String> tableOptions;
  final LogicalWriteInfo info;
  WriteMode mode;

  /**
   * @param tableOptions options of the table (those it was loaded with); the write's own options override them
   * @param mode what the table is for: {@link WriteMode#APPEND} for a loaded table, until {@link #truncate()}
   */
  PathWriteBuilder(String path, Map<String, String> tableOptions, LogicalWriteInfo info, WriteMode mode) {
    this.path = path;
    this.tableOptions = tableOptions;
    this.info = info;
    this.mode = mode;
  }

  @Override
  public final WriteBuilder truncate() {
    mode = WriteMode.OVERWRITE;
    return this;
  }

  @Override
  public final Write build() {
    return plan(info.schema(), info.options().asCaseSensitiveMap(), info.queryId());
  }

  /** The write of {@code schema}'s rows to the path; every problem is raised here, before any task runs. */
  abstract Write plan(StructType schema, Map<String, String> callOptions, String queryId);
}
