package io.sparkmemmap;

import io.sparkmemmap.catalog.NpyCatalog;
import io.sparkmemmap.catalog.NpyTable;
import io.sparkmemmap.catalog.PathIdentifier;
import java.util.Map;
import org.apache.spark.sql.SparkSession;
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

  /**
   * The path catalog, registered in the session the load or save runs in. Spark looks the name up in the conf of the
   * thread's active session, and in an empty conf on a thread with none (a pool's thread made before any session,
   * JUnit's timeout threads), where every runtime-registered catalog is missing: there the session that
   * {@link SparkSession#active()} finds, the default one, is made the thread's active session, as Spark's own
   * {@code withActive} does, so that the lookup that follows finds the catalog registered in it.
   */
  @Override
  public String extractCatalog(CaseInsensitiveStringMap options) {
    SparkSession spark = SparkSession.active();
    if (SparkSession.getActiveSession().isEmpty()) {
      SparkSession.setActiveSession(spark);
    }
    return NpyCatalog.catalogName(spark, format);
  }
}
