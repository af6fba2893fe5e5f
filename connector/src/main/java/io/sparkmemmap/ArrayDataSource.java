package io.sparkmemmap;

import io.sparkmemmap.catalog.NpyCatalog;
import io.sparkmemmap.catalog.NpyTable;
import io.sparkmemmap.catalog.PathIdentifier;
import java.util.Map;
import org.apache.spark.sql.connector.catalog.Identifier;
import org.apache.spark.sql.connector.catalog.SupportsCatalogOptions;
import org.apache.spark.sql.connector.catalog.Table;
import org.apache.spark.sql.connector.expressions.Transform;
import org.apache.spark.sql.sources.DataSourceRegister;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.sql.util.CaseInsensitiveStringMap;

/**
 * What the {@code npy} and {@code memmap} sources share: tables over paths, read with the format's rules.
 *
 * <p>{@code spark.read.load(path)} and {@code df.write.save(path)} go through {@link NpyCatalog}
 * ({@link SupportsCatalogOptions}): that is what gives writes every save mode, {@code errorifexists} and
 * {@code ignore} included, which Spark offers a plain {@code TableProvider} only for append and overwrite. Such
 * sources take no user-specified schema ({@code spark.read.schema(...)}, refused with what to do instead by
 * {@code UserSchemaRefusal}); a table created with columns ({@code CREATE TABLE t (...) USING npy LOCATION ...})
 * still gets one through {@link #getTable}.
 */
abstract class ArrayDataSource implements SupportsCatalogOptions, DataSourceRegister {
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

  @Override
  public Identifier extractIdentifier(CaseInsensitiveStringMap options) {
    return PathIdentifier.of(options);
  }

  @Override
  public String extractCatalog(CaseInsensitiveStringMap options) {
    return NpyCatalog.catalogName(format);
  }
}
