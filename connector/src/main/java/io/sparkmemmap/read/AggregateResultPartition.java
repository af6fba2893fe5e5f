package io.sparkmemmap.read;

import java.util.List;
import org.apache.spark.sql.connector.read.InputPartition;

/**
 * The whole answer of an aggregate that the row counts of the headers give: one row per group, computed at
 * planning.
 */
final class AggregateResultPartition implements InputPartition {
  private static final long serialVersionUID = 1L;

  private final List<AggregateGroup.Totals> groups;

  AggregateResultPartition(List<AggregateGroup.Totals> groups) {
    this.groups = List.copyOf(groups);
  }

  List<AggregateGroup.Totals> groups() {
    return groups;
  }

  @Override
  public String toString() {
    return "AggregateResultPartition of " + groups.size() + " groups";
  }
}
