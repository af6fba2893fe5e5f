package io.sparkmemmap.catalog;

import io.sparkmemmap.ArrayFormat;
import io.sparkmemmap.write.NpyWriteBuilder;
import io.sparkmemmap.write.WriteMode;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;
import org.apache.spark.sql.connector.catalog.StagedTable;
import org.apache.spark.sql.connector.catalog.SupportsWrite;
import org.apache.spark.sql.connector.catalog.TableCapability;
import org.apache.spark.sql.connector.write.LogicalWriteInfo;
import org.apache.spark.sql.connector.write.WriteBuilder;
import org.apache.spark.sql.types.StructType;

/**
 * A path as the target of a write, whatever it holds: nothing yet, arrays, an empty or foreign directory, a
 * {@code memmap} file the write has no read options for. A write never needs its target's schema: it plans its own
 * dtype, and an append reads the dtype it must keep from the files themselves.
 *
 * <p>Also the table {@link NpyCatalog} stages for CREATE TABLE AS SELECT, which is how {@code save()} runs in the
 * default {@code errorifexists} and {@code ignore} modes. The write itself publishes atomically at job commit, so
 * committing or aborting the staged table has nothing left to do.
 */
final class PathTargetTable implements StagedTable, SupportsWrite {
  private final ArrayFormat format;
  private final String path;
  private final Map<String, String> options;
  private final StructType schema;
  private final WriteMode mode;

  /**
   * @param schema the columns a CREATE TABLE gave, or an empty struct
   */
  PathTargetTable(ArrayFormat format, String path, Map<String, String> options, StructType schema, WriteMode mode) {
    this.format = format;
    this.path = path;
    this.options = options;
    this.schema = schema;
    this.mode = mode;
  }

  @Override
  public String name() {
    return format.shortName() + ".`" + path + "`";
  }

  @Override
  @SuppressWarnings("deprecation") // Spark 4 still builds columns() from schema(), as its own file tables do
  public StructType schema() {
    return schema;
  }

  @Override
  public Set<TableCapability> capabilities() {
    return EnumSet.of(TableCapability.BATCH_WRITE, TableCapability.TRUNCATE, TableCapability.ACCEPT_ANY_SCHEMA);
  }

  @Override
  public WriteBuilder newWriteBuilder(LogicalWriteInfo info) {
    return new NpyWriteBuilder(format, path, options, info, mode);
  }

  @Override
  public void commitStagedChanges() {}

  @Override
  public void abortStagedChanges() {}
}
