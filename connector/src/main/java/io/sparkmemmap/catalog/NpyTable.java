package io.sparkmemmap.catalog;

import io.sparkmemmap.ArrayFormat;
import io.sparkmemmap.read.ArrayInput;
import io.sparkmemmap.read.ReadOptions;
import io.sparkmemmap.write.WriteBuilders;
import io.sparkmemmap.write.WriteMode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.connector.catalog.MetadataColumn;
import org.apache.spark.sql.connector.catalog.SupportsMetadataColumns;
import org.apache.spark.sql.connector.catalog.SupportsRead;
import org.apache.spark.sql.connector.catalog.SupportsWrite;
import org.apache.spark.sql.connector.catalog.TableCapability;
import org.apache.spark.sql.connector.read.ScanBuilder;
import org.apache.spark.sql.connector.write.LogicalWriteInfo;
import org.apache.spark.sql.connector.write.WriteBuilder;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.sql.util.CaseInsensitiveStringMap;

/**
 * Arrays at a path (files, a directory, a glob) as a table. The files are listed and their headers read once, when
 * the schema is first needed; a schema given by the user is reported as is and checked against the files when the
 * table is scanned.
 *
 * <p>Streams read the files at the path as they grow ({@code spark.readStream}; see the scan's micro-batch stream).
 *
 * <p>Writes append to the path (overwrite after {@code truncate}), in any schema: a write plans its own dtype,
 * and keeps the dtype of what it appends to. Streaming queries append a micro-batch at a time.
 */
public class NpyTable implements SupportsRead, SupportsWrite, SupportsMetadataColumns {
  private final ArrayFormat format;
  private final CaseInsensitiveStringMap options;
  private final StructType userSchema;
  private ArrayInput input;

  /**
   * @param format which source reads the files
   * @param userSchema the schema the user gave, or {@code null} to derive it from the files
   * @param options the read options, paths included
   */
  public NpyTable(ArrayFormat format, StructType userSchema, Map<String, String> options) {
    this.format = format;
    this.options = new CaseInsensitiveStringMap(options);
    this.userSchema = userSchema;
  }

  @Override
  public String name() {
    String paths = options.containsKey("path") ? options.get("path") : options.getOrDefault("paths", "");
    return format.shortName() + ".`" + paths + "`";
  }

  @Override
  @SuppressWarnings("deprecation") // Spark 4 still builds columns() from schema(), as its own file tables do
  public StructType schema() {
    return userSchema != null ? userSchema : input().schema();
  }

  @Override
  public Set<TableCapability> capabilities() {
    return EnumSet.of(TableCapability.BATCH_READ, TableCapability.BATCH_WRITE, TableCapability.MICRO_BATCH_READ,
        TableCapability.STREAMING_WRITE, TableCapability.TRUNCATE, TableCapability.ACCEPT_ANY_SCHEMA);
  }

  @Override
  public ScanBuilder newScanBuilder(CaseInsensitiveStringMap scanOptions) {
    Map<String, String> merged = new HashMap<>(options.asCaseSensitiveMap());
    merged.putAll(scanOptions.asCaseSensitiveMap());
    return input().newScanBuilder(schema(), ReadOptions.parse(format, new CaseInsensitiveStringMap(merged)));
  }

  @Override
  public WriteBuilder newWriteBuilder(LogicalWriteInfo info) {
    List<String> paths = ReadOptions.parse(format, options).paths();
    if (paths.size() != 1) {
      throw new IllegalArgumentException("a write needs one path, not " + paths);
    }
    return WriteBuilders.of(format, paths.get(0), options.asCaseSensitiveMap(), info, WriteMode.APPEND);
  }

  @Override
  public MetadataColumn[] metadataColumns() {
    return input().metadataColumns();
  }

  /** The files and headers at the table's path; listed and read once. */
  public synchronized ArrayInput input() {
    if (input == null) {
      try {
        input = ArrayInput.resolve(ReadOptions.parse(format, options), hadoopConf());
      } catch (IOException e) {
        throw new UncheckedIOException(e.getMessage(), e);
      }
    }
    return input;
  }

  /** The session's Hadoop configuration with the table's options laid over it, as Spark's file sources do. */
  protected Configuration hadoopConf() {
    org.apache.spark.sql.classic.SparkSession session =
        (org.apache.spark.sql.classic.SparkSession) SparkSession.active();
    Configuration conf = session.sessionState().newHadoopConf();
    options.asCaseSensitiveMap().forEach((key, value) -> {
      if (!"path".equalsIgnoreCase(key) && !"paths".equalsIgnoreCase(key)) {
        conf.set(key, value);
      }
    });
    return conf;
  }

  protected ArrayFormat format() {
    return format;
  }

  protected CaseInsensitiveStringMap options() {
    return options;
  }
}
