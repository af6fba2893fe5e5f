package io.sparkmemmap.catalog;

import io.sparkmemmap.ArrayFormat;
import org.apache.spark.sql.SparkSessionExtensions;
import org.apache.spark.sql.SparkSessionExtensionsProvider;
import scala.runtime.BoxedUnit;

/**
 * Registers the path catalogs ({@link NpyCatalog}) in every session, so that {@code SELECT * FROM npy.`/path`} and
 * {@code INSERT INTO npy.`/path`} work in a fresh session with nothing configured: Spark's own direct file queries
 * are for its built-in file formats only. Spark loads this class through {@code ServiceLoader} when it creates a
 * session; the registration happens when the session builds its analyzer, before the first query is resolved.
 */
public final class NpySessionExtensions implements SparkSessionExtensionsProvider {
  @Override
  public BoxedUnit apply(SparkSessionExtensions extensions) {
    extensions.injectCheckRule(session -> {
      for (ArrayFormat format : ArrayFormat.values()) {
        NpyCatalog.catalogName(session, format);
      }
      return plan -> BoxedUnit.UNIT; // nothing to check: the rule exists for its registration
    });
    return BoxedUnit.UNIT;
  }
}
