package io.sparkmemmap.catalog;

import io.sparkmemmap.ArrayFormat;
import io.sparkmemmap.MegatronDataSource;
import io.sparkmemmap.MemmapDataSource;
import io.sparkmemmap.NpyDataSource;
import io.sparkmemmap.RaggedDataSource;
import io.sparkmemmap.read.PathOptions;
import org.apache.spark.sql.catalyst.plans.logical.LogicalPlan;
import org.apache.spark.sql.catalyst.plans.logical.UnresolvedDataSource;
import org.apache.spark.sql.catalyst.rules.Rule;
import org.apache.spark.sql.execution.datasources.DataSource;
import scala.jdk.javaapi.CollectionConverters;
import scala.runtime.BoxedUnit;

/**
 * Refuses {@code spark.read.format("npy").schema(...)} with what to do instead. The sources name their paths
 * through a catalog (which is what gives writes every save mode), and Spark refuses a user schema for such sources
 * with a message that says only to leave it out. This rule runs in the analyzer's hint batch, which comes before the
 * resolution batch where Spark refuses it.
 */
final class UserSchemaRefusal extends Rule<LogicalPlan> {
  @Override
  public LogicalPlan apply(LogicalPlan plan) {
    plan.foreach(node -> {
      if (node instanceof UnresolvedDataSource source && source.userSpecifiedSchema().isDefined()) {
        ArrayFormat format = formatNamed(source.format());
        if (format != null) {
          String message = message(format);
          String path = pathOf(source);
          throw new IllegalArgumentException(path == null ? message : PathOptions.about(path, message));
        }
      }
      return BoxedUnit.UNIT;
    });
    return plan;
  }

  /** The path or paths the read was given, as the user wrote them; {@code null} when none was. */
  private static String pathOf(UnresolvedDataSource source) {
    if (source.paths().nonEmpty()) {
      return String.join(", ", CollectionConverters.asJava(source.paths()));
    }
    return source.options().get("path").getOrElse(() -> null);
  }

  /** The format of this connector that {@code name} names, or {@code null}. */
  private ArrayFormat formatNamed(String name) {
    Class<?> provider;
    try {
      provider = DataSource.lookupDataSource(name, conf());
    } catch (RuntimeException unknown) {
      return null; // Spark reports an unknown source itself
    }
    if (provider == NpyDataSource.class) {
      return ArrayFormat.NPY;
    }
    if (provider == MegatronDataSource.class) {
      return ArrayFormat.MEGATRON;
    }
    if (provider == RaggedDataSource.class) {
      return ArrayFormat.RAGGED;
    }
    return provider == MemmapDataSource.class ? ArrayFormat.MEMMAP : null;
  }

  static String message(ArrayFormat format) {
    String schemaFrom = format == ArrayFormat.NPY || format.records()
        ? "the header of each file gives the schema"
        : "the dtype option gives the schema, and a structured dtype names the columns: "
            + "option(\"dtype\", \"[('x', '<f4'), ('y', '<f4')]\")";
    return "the " + format.shortName() + " source does not take a user-specified schema (spark.read.schema(...)): "
        + schemaFrom + ". Leave out .schema(...), and rename or cast the columns after load() with select, toDF or "
        + "cast; or declare the columns of a table: CREATE TABLE t (name type, ...) USING " + format.shortName()
        + " LOCATION '<path>', which is checked against the files when read";
  }
}
