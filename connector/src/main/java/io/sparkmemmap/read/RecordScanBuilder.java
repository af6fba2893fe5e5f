package io.sparkmemmap.read;

import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.connector.expressions.Literal;
import org.apache.spark.sql.connector.expressions.NamedReference;
import org.apache.spark.sql.connector.expressions.aggregate.AggregateFunc;
import org.apache.spark.sql.connector.expressions.aggregate.Aggregation;
import org.apache.spark.sql.connector.expressions.aggregate.Count;
import org.apache.spark.sql.connector.expressions.aggregate.CountStar;
import org.apache.spark.sql.connector.expressions.filter.Predicate;
import org.apache.spark.sql.connector.read.Scan;
import org.apache.spark.sql.connector.read.ScanBuilder;
import org.apache.spark.sql.connector.read.SupportsPushDownAggregates;
import org.apache.spark.sql.connector.read.SupportsPushDownLimit;
import org.apache.spark.sql.connector.read.SupportsPushDownOffset;
import org.apache.spark.sql.connector.read.SupportsPushDownRequiredColumns;
import org.apache.spark.sql.connector.read.SupportsPushDownV2Filters;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * Builds a scan of the records and columns a query needs: column pruning (a query that selects no elements reads
 * the index alone, never the data file), {@code _row_index} predicates, LIMIT and OFFSET as for arrays
 * ({@link PushedRows}), and COUNT(*) (and COUNT of any column, none being nullable) answered from the record counts
 * of the headers ({@link RecordCountScan}).
 */
public final class RecordScanBuilder extends RowScanBuilder {
  private final RecordDataset dataset;
  private final ReadOptions scanOptions;
  private StructType required;
  private Aggregation counts;

  RecordScanBuilder(RecordDataset dataset, StructType tableSchema, ReadOptions scanOptions) {
    this.dataset = dataset;
    this.scanOptions = scanOptions;
    this.required = tableSchema;
  }

  @Override
  public void pruneColumns(StructType requiredSchema) {
    this.required = requiredSchema;
  }

  @Override
  boolean aggregated() {
    return counts != null;
  }

  @Override
  public boolean supportCompletePushDown(Aggregation aggregation) {
    return countsOnly(aggregation);
  }

  @Override
  public boolean pushAggregation(Aggregation aggregation) {
    if (!countsOnly(aggregation)) {
      return false;
    }
    counts = aggregation;
    return true;
  }

  /** Whether the aggregation is counts of rows alone, with no grouping: what the headers answer. */
  private static boolean countsOnly(Aggregation aggregation) {
    if (aggregation.groupByExpressions().length > 0) {
      return false;
    }
    for (AggregateFunc function : aggregation.aggregateExpressions()) {
      boolean rows = function instanceof CountStar
          || (function instanceof Count count && !count.isDistinct()
              && (count.column() instanceof NamedReference
                  || (count.column() instanceof Literal<?> literal && literal.value() != null)));
      if (!rows) {
        return false;
      }
    }
    return true;
  }

  @Override
  public Scan build() {
    SelectedRows selection = pushedRows.selection(dataset.files());
    if (counts != null) {
      return new RecordCountScan(dataset.describe(), counts, selection.rowCount(), pushedRows.describe());
    }
    List<RecordOutput> outputs = new ArrayList<>();
    for (StructField field : required.fields()) {
      outputs.add(output(field));
    }
    return new RecordScan(dataset, required, outputs, scanOptions, selection, pushedRows.describe());
  }

  private RecordOutput output(StructField field) {
    String name = field.name();
    if (name.equals(dataset.elementColumn())) {
      return RecordOutput.of(RecordOutput.Kind.ELEMENTS);
    }
    List<StructField> indexColumns = dataset.indexColumns();
    for (int i = 0; i < indexColumns.size(); i++) {
      if (indexColumns.get(i).name().equals(name)) {
        return new RecordOutput(RecordOutput.Kind.INDEX, i);
      }
    }
    switch (name) {
      case MetadataColumns.ROW_INDEX:
        return RecordOutput.of(RecordOutput.Kind.ROW_INDEX);
      case MetadataColumns.FILE:
        return RecordOutput.of(RecordOutput.Kind.FILE);
      case MetadataColumns.LENGTH:
        return RecordOutput.of(RecordOutput.Kind.LENGTH);
      default:
        throw new IllegalArgumentException("no column '" + name + "' in " + dataset.describe() + "; its columns are "
            + String.join(", ", dataset.schema().fieldNames()));
    }
  }
}
