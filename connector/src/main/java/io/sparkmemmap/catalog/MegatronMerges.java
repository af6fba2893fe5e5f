package io.sparkmemmap.catalog;

import io.sparkmemmap.read.WholeMegatronPairs;
import io.sparkmemmap.write.MegatronMerge;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.expressions.Alias;
import org.apache.spark.sql.catalyst.expressions.Attribute;
import org.apache.spark.sql.catalyst.expressions.AttributeReference;
import org.apache.spark.sql.catalyst.expressions.ExprId;
import org.apache.spark.sql.catalyst.expressions.NamedExpression;
import org.apache.spark.sql.catalyst.plans.logical.AppendData;
import org.apache.spark.sql.catalyst.plans.logical.LogicalPlan;
import org.apache.spark.sql.catalyst.plans.logical.OverwriteByExpression;
import org.apache.spark.sql.catalyst.plans.logical.Project;
import org.apache.spark.sql.catalyst.plans.logical.Range$;
import org.apache.spark.sql.connector.write.Write;
import org.apache.spark.sql.execution.SparkPlan;
import org.apache.spark.sql.execution.SparkStrategy;
import org.apache.spark.sql.execution.datasources.v2.DataSourceV2ScanRelation;
import scala.Option;
import scala.collection.immutable.Seq;
import scala.jdk.javaapi.CollectionConverters;

/**
 * Plans the shard merge: a write of one Megatron pair whose query is a scan of every sequence of Megatron pairs of
 * the write's dtype, their columns as read (renamed at most), runs as a {@link MegatronMerge}, which copies the
 * pairs' bytes, instead of the write of rows Spark planned (the tokens decoded, made rows, encoded again).
 *
 * <p>The write is planned by Spark as for any query (the save mode, the table, the {@code Write} its builder
 * made, all checks done); this only swaps, in the write command, the {@code Write} for the merge and the query for
 * one row per piece of the merge, then has Spark plan the command as it would have: every save mode, the commit
 * coordinator and the job's abort stay Spark's. A query with anything more (a filter, a {@code _row_index} range, a
 * limit, a computed column, another source) is not a scan of whole pairs and runs as rows.
 */
final class MegatronMerges extends SparkStrategy {
  @Override
  public Seq<SparkPlan> apply(LogicalPlan plan) {
    if (plan instanceof AppendData append && append.write().isDefined()) {
      Optional<Write> merge = merge(append.query(), append.write().get());
      if (merge.isPresent()) {
        return planned(append.copy(append.table(), pieces(merge.get()), append.writeOptions(), append.isByName(),
            append.withSchemaEvolution(), Option.apply(merge.get()), append.analyzedQuery()));
      }
    } else if (plan instanceof OverwriteByExpression overwrite && overwrite.write().isDefined()) {
      Optional<Write> merge = merge(overwrite.query(), overwrite.write().get());
      if (merge.isPresent()) {
        return planned(overwrite.copy(overwrite.table(), overwrite.deleteExpr(), pieces(merge.get()),
            overwrite.writeOptions(), overwrite.isByName(), overwrite.withSchemaEvolution(),
            Option.apply(merge.get()), overwrite.analyzedQuery()));
      }
    }
    return seq(List.of());
  }

  /** The merge that writes what {@code query} reads, when it reads whole Megatron pairs. */
  private static Optional<Write> merge(LogicalPlan query, Write planned) {
    Map<ExprId, Attribute> renamed = new HashMap<>();
    LogicalPlan child = query;
    while (child instanceof Project project) {
      for (NamedExpression e : CollectionConverters.asJava(project.projectList())) {
        if (e instanceof Alias alias && alias.child() instanceof AttributeReference source) {
          renamed.put(alias.exprId(), source);
        } else if (!(e instanceof AttributeReference)) {
          return Optional.empty();
        }
      }
      child = project.child();
    }
    if (!(child instanceof DataSourceV2ScanRelation scan && scan.relation().table() instanceof NpyTable table)) {
      return Optional.empty();
    }
    Map<ExprId, String> scanColumns = new HashMap<>();
    for (Attribute a : CollectionConverters.asJava(scan.output())) {
      scanColumns.put(a.exprId(), a.name());
    }
    List<String> columns = new ArrayList<>();
    for (Attribute a : CollectionConverters.asJava(query.output())) {
      Attribute source = a;
      while (renamed.containsKey(source.exprId())) {
        source = renamed.get(source.exprId());
      }
      columns.add(scanColumns.get(source.exprId()));
    }
    int slots = SparkSession.active().sparkContext().defaultParallelism();
    return WholeMegatronPairs.of(table.input(), scan.scan())
        .flatMap(pairs -> MegatronMerge.of(planned, pairs, columns, slots));
  }

  /** One row per piece, each in a partition of its own: the task that copies it. */
  private static LogicalPlan pieces(Write merge) {
    int pieces = ((MegatronMerge) merge).pieceCount();
    return Range$.MODULE$.apply(0, pieces, 1, pieces);
  }

  private Seq<SparkPlan> planned(LogicalPlan command) {
    return seq(List.of(planLater(command)));
  }

  private static <T> Seq<T> seq(List<T> list) {
    return CollectionConverters.asScala(list).toSeq();
  }
}
