package io.sparkmemmap.catalog;

import io.sparkmemmap.ArrayFormat;
import io.sparkmemmap.write.WriteBuilders;
import io.sparkmemmap.write.WriteMode;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;
import org.apache.spark.sql.connector.catalog.StagedTable;
import org.apache.spark.sql.connector.catalog.SupportsRead;
import org.apache.spark.sql.connector.catalog.SupportsWrite;
import org.apache.spark.sql.connector.catalog.TableCapability;
import org.apache.spark.sql.connector.read.ScanBuilder;
import org.apache.spark.sql.connector.write.LogicalWriteInfo;
import org.apache.spark.sql.connector.write.WriteBuilder;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.sql.util.CaseInsensitiveStringMap;

/**
 * A path as the target of a write, whatever it holds: nothing yet, arrays, an empty or foreign directory, a
 * {@code memmap} file the write has no read options for. A write never needs its target's schema: it plans its own
 * dtype, and an append reads the dtype it must keep from the files themselves.
 *
 * <p>A read of a path that does not read as arrays gets this table too, with the reason: {@link UnreadablePathReads}
 * fails the read with it as the query is analyzed. Such a table offers batch reads (Spark would otherwise fall back
 * to a V1 source that does not exist, and fail with a message that does not name the path), and every scan of it
 * fails with the reason too.
 *
 * <p>Also the table {@link NpyCatalog} stages for CREATE TABLE AS SELECT, which is how {@code save()} runs in the
 * default {@code errorifexists} and {@code ignore} modes. The write itself publishes atomically at job commit, so
 * committing or aborting the staged table has nothing left to do.
 */
final class PathTargetTable implements StagedTable, SupportsRead, SupportsWrite {
  private final ArrayFormat format;
  private final String path;
  private final Map<String, String> options;
  private final StructType schema;
  private final WriteMode mode;
  /** Why the path does not read as arrays, or {@code null} where no read was tried. */
  private final RuntimeException unreadable;

  /**
   * @param schema the columns a CREATE TABLE gave, or an empty struct
   */
  PathTargetTable(ArrayFormat format, String path, Map<String, String> options, StructType schema, WriteMode mode) {
    this(format, path, options, schema, mode, null);
  }

  private PathTargetTable(ArrayFormat format, String path, Map<String, String> options, StructType schema,
      WriteMode mode, RuntimeException unreadable) {
    this.format = format;
    this.path = path;
    this.options = options;
    this.schema = schema;
    this.mode = mode;
    this.unreadable = unreadable;
  }

  /** A path that did not read as arrays, for {@code reason}, as a target of appends (overwrites after truncate). */
  static PathTargetTable unreadable(ArrayFormat format, String path, Map<String, String> options,
      RuntimeException reason) {
    return new PathTargetTable(format, path, options, new StructType(), WriteMode.APPEND, reason);
  }

  /** Fails a read of this path with the reason it did not read as arrays. */
  void failRead() {
    if (unreadable != null) {
      throw unreadable;
    }
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
    Set<TableCapability> capabilities = EnumSet.of(TableCapability.BATCH_WRITE, TableCapability.TRUNCATE,
        TableCapability.ACCEPT_ANY_SCHEMA);
    if (unreadable != null) {
      capabilities.add(TableCapability.BATCH_READ);
    }
    return capabilities;
  }

  @Override
  public ScanBuilder newScanBuilder(CaseInsensitiveStringMap scanOptions) {
    failRead();
    throw new UnsupportedOperationException(name() + " is the target of a write, not read");
  }

  @Override
  public WriteBuilder newWriteBuilder(LogicalWriteInfo info) {
    return WriteBuilders.of(format, path, options, info, mode);
  }

  @Override
  public void commitStagedChanges() {}

  @Override
  public void abortStagedChanges() {}
}
