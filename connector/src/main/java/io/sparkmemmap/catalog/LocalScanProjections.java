package io.sparkmemmap.catalog;

import java.util.Arrays;
import java.util.List;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.Attribute;
import org.apache.spark.sql.catalyst.optimizer.ConvertToLocalRelation$;
import org.apache.spark.sql.catalyst.plans.logical.LocalRelation;
import org.apache.spark.sql.catalyst.plans.logical.LogicalPlan;
import org.apache.spark.sql.catalyst.plans.logical.Project;
import org.apache.spark.sql.connector.read.LocalScan;
import org.apache.spark.sql.execution.LocalTableScanExec;
import org.apache.spark.sql.execution.SparkPlan;
import org.apache.spark.sql.execution.SparkStrategy;
import org.apache.spark.sql.execution.datasources.v2.DataSourceV2ScanRelation;
import scala.Option;
import scala.collection.immutable.Seq;
import scala.jdk.javaapi.CollectionConverters;

/**
 * Plans the projection of the rows a read of arrays answers at planning ({@code count(*)} from the headers, a
 * {@link LocalScan}) as local rows, projected here, as Spark plans a projection of any local rows.
 *
 * <p>Spark's aggregate pushdown leaves a projection (the aggregate's alias) above the scan, and plans a
 * {@code LocalScan} after its optimizer has folded projections of local rows: the projection would run as a Spark
 * job of one task, which costs more than the answer. Projected here, {@code df.count()},
 * {@code SELECT count(*)} and their {@code collect()} run no job at all.
 */
final class LocalScanProjections extends SparkStrategy {
  @Override
  public Seq<SparkPlan> apply(LogicalPlan plan) {
    if (plan instanceof Project project
        && project.child() instanceof DataSourceV2ScanRelation relation
        && relation.relation().table() instanceof NpyTable
        && relation.scan() instanceof LocalScan scan) {
      @SuppressWarnings("unchecked")
      Seq<Attribute> output = (Seq<Attribute>) (Seq<?>) relation.output();
      LocalRelation rows = new LocalRelation(output, seq(Arrays.asList(scan.rows())), false, Option.empty());
      LogicalPlan projected = ConvertToLocalRelation$.MODULE$.apply(project.withNewChildren(seq(List.of(rows))));
      if (projected instanceof LocalRelation local) {
        return seq(List.of(new LocalTableScanExec(local.output(), local.data(), Option.empty())));
      }
    }
    return seq(List.of());
  }

  private static <T> Seq<T> seq(List<T> list) {
    return CollectionConverters.asScala(list).toSeq();
  }
}
