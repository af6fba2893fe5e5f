package io.sparkmemmap.catalog;

import io.sparkmemmap.ArrayFormat;
import org.apache.spark.sql.SparkSessionExtensions;
import org.apache.spark.sql.SparkSessionExtensionsProvider;
import scala.runtime.BoxedUnit;

/**
 * What every session gets from the connector, which Spark loads through {@code ServiceLoader} when it creates a
 * session:
 * <ul>
 *   <li>the path catalogs ({@link NpyCatalog}), registered when the session builds its analyzer, before the first
 *       query is resolved, so that {@code SELECT * FROM npy.`/path`} and {@code INSERT INTO npy.`/path`} work with
 *       nothing configured (Spark's own direct file queries are for its built-in file formats only);
 *   <li>the clear error of a read of a path that does not read as arrays ({@link UnreadablePathReads});
 *   <li>the clear error of {@code spark.read.schema(...)} ({@link UserSchemaRefusal});
 *   <li>{@code size(tokens)} and {@code size(value)} of records answered from their index
 *       ({@link RecordSizesFromIndex});
 *   <li>{@code count(*)} answered with no Spark job ({@link LocalScanProjections});
 *   <li>the shard merge: a write of one Megatron pair from a scan of whole pairs copies their bytes
 *       ({@link MegatronMerges}).
 * </ul>
 */
public final class NpySessionExtensions implements SparkSessionExtensionsProvider {
  @Override
  public BoxedUnit apply(SparkSessionExtensions extensions) {
    extensions.injectResolutionRule(session -> {
      for (ArrayFormat format : ArrayFormat.values()) {
        NpyCatalog.catalogName(session, format);
      }
      return new UnreadablePathReads();
    });
    extensions.injectHintResolutionRule(session -> new UserSchemaRefusal());
    extensions.injectOptimizerRule(session -> new RecordSizesFromIndex());
    extensions.injectPlannerStrategy(session -> new LocalScanProjections());
    extensions.injectPlannerStrategy(session -> new MegatronMerges());
    return BoxedUnit.UNIT;
  }
}
