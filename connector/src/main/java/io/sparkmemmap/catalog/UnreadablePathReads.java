package io.sparkmemmap.catalog;

import org.apache.spark.sql.catalyst.plans.logical.LogicalPlan;
import org.apache.spark.sql.catalyst.rules.Rule;
import org.apache.spark.sql.execution.datasources.v2.DataSourceV2Relation;
import scala.runtime.BoxedUnit;

/**
 * Fails the read of a path that does not read as arrays with the reason it does not ("path does not exist", "not a
 * .npy file", a memmap without its dtype) as the query is analyzed: at {@code load()}, and before Spark would report
 * the columns a query names as missing from the table's empty schema.
 *
 * <p>{@link NpyCatalog} loads a path the same way for a read and for {@code DataFrameWriter.save}, and only the plan
 * tells them apart: a relation read by a query is part of the plan's tree, while the target of a write
 * ({@code AppendData}, {@code OverwriteByExpression}) is a field of the write command, not one of its children. So
 * a write to such a path goes ahead, and a read of it fails here, in the resolution batch, before Spark checks the
 * query's columns. (Delta tells the reads of its path tables from their writes with an analysis rule the same way.)
 */
final class UnreadablePathReads extends Rule<LogicalPlan> {
  @Override
  public LogicalPlan apply(LogicalPlan plan) {
    plan.foreach(node -> {
      if (node instanceof DataSourceV2Relation relation && relation.table() instanceof PathTargetTable target) {
        target.failRead();
      }
      return BoxedUnit.UNIT;
    });
    return plan;
  }
}
