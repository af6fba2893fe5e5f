package io.sparkmemmap;

import io.sparkmemmap.catalog.NpyTable;
import java.util.Map;
import org.apache.spark.sql.connector.catalog.Table;
import org.apache.spark.sql.connector.catalog.TableProvider;
import org.apache.spark.sql.connector.expressions.Transform;
import org.apache.spark.sql.sources.DataSourceRegister;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.sql.util.CaseInsensitiveStringMap;

/** What the {@code npy} and {@code memmap} sources share: tables over paths, read with the format's rules. */
abstract class ArrayDataSource implements TableProvider, DataSourceRegister {
  private final ArrayFormat format;
  /** The table {@link #inferSchema} resolved, reused by {@link #getTable} so headers are read once per load. */
  private NpyTable inferred;

  ArrayDataSource(ArrayFormat format) {
    this.format = format;
  }

  @Override
  public String shortName() {
    return format.shortName();
  }

  @Override
  public StructType inferSchema(CaseInsensitiveStringMap options) {
    inferred = new NpyTable(format, null, options.asCaseSensitiveMap());
    return inferred.schema();
  }

  @Override
  public Table getTable(StructType schema, Transform[] partitioning, Map<String, String> properties) {
    if (inferred != null && inferred.schema().equals(schema)) {
      return inferred;
    }
    return new NpyTable(format, schema, properties);
  }

  @Override
  public boolean supportsExternalMetadata() {
    return true;
  }
}
