package io.sparkmemmap;

import io.sparkmemmap.catalog.NpyCatalog;
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
 * What the {@code npy} and {@code memmap} sources share. Loads and saves go through {@link NpyCatalog}
 * ({@link SupportsCatalogOptions}), which gives writes every save mode.
 *
 * <p>Interim until the read path is merged: tables here only write.
 */
abstract class ArrayDataSource implements SupportsCatalogOptions, DataSourceRegister {
  private final ArrayFormat format;

  ArrayDataSource(ArrayFormat format) {
    this.format = format;
  }

  @Override
  public String shortName() {
    return format.shortName();
  }

  @Override
  public StructType inferSchema(CaseInsensitiveStringMap options) {
    return new StructType();
  }

  @Override
  public Table getTable(StructType schema, Transform[] partitioning, Map<String, String> properties) {
    throw new UnsupportedOperationException("interim: tables come from " + NpyCatalog.class.getSimpleName());
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
