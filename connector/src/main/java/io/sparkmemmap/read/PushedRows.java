package io.sparkmemmap.read;

import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.connector.expressions.filter.Predicate;

/**
 * The rows a scan builder was asked to keep: pushed {@code _row_index} predicates (exactly, or as a superset while
 * Spark still evaluates a predicate that mixes in other columns), then OFFSET and LIMIT over the files in order.
 * What the array and the records scan builders share.
 */
final class PushedRows {
  private RowSelection rowFilter = RowSelection.ALL;
  private final List<Predicate> pushedPredicates = new ArrayList<>();
  /** Rows to leave out (OFFSET), and to keep from the start (LIMIT) or -1. */
  private long offset;
  private long limit = -1;

  /** Takes the predicates on {@code _row_index}; returns those Spark must still evaluate. */
  Predicate[] push(Predicate[] predicates) {
    List<Predicate> postScan = new ArrayList<>();
    for (Predicate predicate : predicates) {
      RowSelection exact = RowIndexFilters.translate(predicate);
      if (exact != null) {
        rowFilter = rowFilter.intersect(exact);
        pushedPredicates.add(predicate);
        continue;
      }
      RowSelection superset = RowIndexFilters.superset(predicate);
      if (!superset.isAll()) {
        rowFilter = rowFilter.intersect(superset);
        pushedPredicates.add(predicate);
      }
      postScan.add(predicate);
    }
    return postScan.toArray(new Predicate[0]);
  }

  Predicate[] pushedPredicates() {
    return pushedPredicates.toArray(new Predicate[0]);
  }

  void limit(int limit) {
    this.limit = limit;
  }

  void offset(int offset) {
    this.offset = offset;
  }

  /** The rows of {@code files} kept. */
  SelectedRows selection(List<ArrayFile> files) {
    long take = limit < 0 ? -1 : Math.max(0, limit - offset);
    return SelectedRows.of(files, rowFilter, offset, take);
  }

  /** What was pushed, for EXPLAIN: {@code  rows=[1000, 2000) pushedFilters=[...] limit=10 offset=5}. */
  String describe() {
    StringBuilder sb = new StringBuilder();
    if (!pushedPredicates.isEmpty()) {
      sb.append(" rows=").append(rowFilter).append(" pushedFilters=").append(pushedPredicates);
    }
    if (limit >= 0) {
      sb.append(" limit=").append(limit);
    }
    if (offset > 0) {
      sb.append(" offset=").append(offset);
    }
    return sb.toString();
  }
}
