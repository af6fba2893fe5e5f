package io.sparkmemmap.catalog;

import io.sparkmemmap.ArrayFormat;
import io.sparkmemmap.write.NpyWriteBuilder;
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
 * A path as the target of a write when it holds no array that can be read: nothing yet, an empty or foreign
 * directory, or a {@code memmap} file written without the read options. Writes go ahead (a write never needs to
 * read its target's schema); a read fails with the reason the path could not be read.
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
  private final RuntimeException readProblem;

  /**
   * @param schema the columns a CREATE TABLE gave, or an empty struct
   * @param readProblem why the path cannot be read, reported when it is
   */
  PathTargetTable(ArrayFormat format, String path, Map<String, String> options, StructType schema, WriteMode mode,
      RuntimeException readProblem) {
    this.format = format;
    this.path = path;
    this.options = options;
    this.schema = schema;
    this.mode = mode;
    this.readProblem = readProblem;
  }

  @Override
  public String name() {
    return format.shortName() + ".`" + path + "`";
  }

  @Override
  public StructType schema() {
    return schema;
  }

  @Override
  public Set<TableCapability> capabilities() {
    return EnumSet.of(TableCapability.BATCH_READ, TableCapability.BATCH_WRITE, TableCapability.TRUNCATE,
        TableCapability.ACCEPT_ANY_SCHEMA);
  }

  @Override
  public ScanBuilder newScanBuilder(CaseInsensitiveStringMap scanOptions) {
    if (readProblem != null) {
      throw readProblem;
    }
    throw new IllegalArgumentException("nothing to read at " + path + " yet");
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
