package io.sparkmemmap.write;

import io.sparkmemmap.ArrayFormat;
import java.util.Map;
import org.apache.spark.sql.connector.write.LogicalWriteInfo;
import org.apache.spark.sql.connector.write.WriteBuilder;
import org.apache.spark.sql.types.StructType;

/** The write builder of each format: what tables and the path catalog write through. */
public final class WriteBuilders {
  private WriteBuilders() {}

  /**
   * @param tableOptions options of the table (those it was loaded with); the write's own options override them
   * @param mode what the table is for: {@link WriteMode#APPEND} for a loaded table, until truncated
   */
  public static WriteBuilder of(ArrayFormat format, String path, Map<String, String> tableOptions,
      LogicalWriteInfo info, WriteMode mode) {
    if (format == ArrayFormat.RAGGED) {
      return new RaggedWriteBuilder(path, tableOptions, info, mode);
    }
    if (format == ArrayFormat.MEGATRON) {
      return new MegatronWriteBuilder(path, tableOptions, info, mode);
    }
    return new NpyWriteBuilder(format, path, tableOptions, info, mode);
  }

  /** CREATE TABLE without data: publishes an empty output of the columns at {@code path}. */
  public static void createEmpty(ArrayFormat format, String path, StructType schema, Map<String, String> options) {
    if (format == ArrayFormat.RAGGED) {
      RaggedWriteBuilder.createEmpty(path, schema, options);
      return;
    }
    if (format == ArrayFormat.MEGATRON) {
      MegatronWriteBuilder.createEmpty(path, schema, options);
      return;
    }
    NpyWriteBuilder.createEmpty(format, path, schema, options);
  }
}
