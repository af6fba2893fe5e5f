package io.sparkmemmap.read;

import org.apache.spark.sql.connector.expressions.filter.Predicate;
import org.apache.spark.sql.connector.read.ScanBuilder;
import org.apache.spark.sql.connector.read.SupportsPushDownAggregates;
import org.apache.spark.sql.connector.read.SupportsPushDownLimit;
import org.apache.spark.sql.connector.read.SupportsPushDownOffset;
import org.apache.spark.sql.connector.read.SupportsPushDownRequiredColumns;
import org.apache.spark.sql.connector.read.SupportsPushDownV2Filters;

/**
 * What the scan builders of arrays and of records share: the rows they select ({@link PushedRows}) from pushed
 * {@code _row_index} predicates, LIMIT and OFFSET. Spark pushes a limit only when no filter is left for it to
 * evaluate, so the first rows are the answer; a limit or offset on aggregated rows is left to Spark.
 */
abstract class RowScanBuilder implements ScanBuilder, SupportsPushDownRequiredColumns, SupportsPushDownV2Filters,
    SupportsPushDownLimit, SupportsPushDownOffset, SupportsPushDownAggregates {
  final PushedRows pushedRows = new PushedRows();

  /** Whether an aggregation was pushed, which LIMIT and OFFSET then apply to. */
  abstract boolean aggregated();

  /** Whether the data has a column named {@code _row_index}, which hides the metadata column. */
  boolean rowIndexIsData() {
    return false;
  }

  /** Takes the predicates on {@code _row_index}, and leaves all others to Spark. */
  @Override
  public final Predicate[] pushPredicates(Predicate[] predicates) {
    return rowIndexIsData() ? predicates : pushedRows.push(predicates);
  }

  @Override
  public final Predicate[] pushedPredicates() {
    return pushedRows.pushedPredicates();
  }

  @Override
  public final boolean pushLimit(int limit) {
    if (aggregated()) {
      return false;
    }
    pushedRows.limit(limit);
    return true;
  }

  @Override
  public final boolean isPartiallyPushed() {
    return false;
  }

  /** Spark pushes an offset after the limit it belongs to: the rows kept are those from the offset to the limit. */
  @Override
  public final boolean pushOffset(int offset) {
    if (aggregated()) {
      return false;
    }
    pushedRows.offset(offset);
    return true;
  }
}
