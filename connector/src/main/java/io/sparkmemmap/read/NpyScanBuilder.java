package io.sparkmemmap.read;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.spark.sql.connector.expressions.NamedReference;
import org.apache.spark.sql.connector.expressions.aggregate.AggregateFunc;
import org.apache.spark.sql.connector.expressions.aggregate.Aggregation;
import org.apache.spark.sql.connector.expressions.aggregate.Avg;
import org.apache.spark.sql.connector.expressions.filter.Predicate;
import org.apache.spark.sql.connector.read.Scan;
import org.apache.spark.sql.connector.read.ScanBuilder;
import org.apache.spark.sql.connector.read.SupportsPushDownAggregates;
import org.apache.spark.sql.connector.read.SupportsPushDownLimit;
import org.apache.spark.sql.connector.read.SupportsPushDownOffset;
import org.apache.spark.sql.connector.read.SupportsPushDownRequiredColumns;
import org.apache.spark.sql.connector.read.SupportsPushDownV2Filters;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * Builds a scan of the rows and columns a query needs, which is all that is ever mapped or read:
 * <ul>
 *   <li>column pruning, down to nested struct fields;
 *   <li>predicates on {@code _row_index} (comparisons, BETWEEN, IN, and AND, OR, NOT of them) select row ranges
 *       of each file, exactly, so Spark keeps no filter for them; a predicate that mixes in other columns may still
 *       narrow the ranges while Spark evaluates it;
 *   <li>LIMIT and OFFSET, once every predicate was pushed, select the first rows of the files in order;
 *   <li>aggregates (Spark offers them once every predicate was pushed): COUNT(*) and what else the row counts of
 *       the headers answer completely, without reading data; MIN, MAX, SUM and COUNT over numeric, boolean and
 *       temporal columns per partition, over the mapped bytes ({@link AggregatePlan}), completely when one
 *       partition reads all selected rows, unless the read option {@code pushDownAggregates} is false.
 * </ul>
 */
public final class NpyScanBuilder extends RowScanBuilder {
  private final NpyDataset dataset;
  private final ReadOptions scanOptions;
  private StructType required;
  private AggregatePlan aggregate;
  /** Whether the aggregation pushed is answered in full by the scan, Spark keeping no aggregate of its own. */
  private boolean completeAggregation;
  /**
   * Columns that the query averages and whose sum Spark's AVG (adding up doubles) could round: Spark turns such an
   * AVG into SUM / COUNT to push it, and a SUM in longs would then answer differently, so it is not pushed.
   */
  private final Set<String> inexactAverages = new HashSet<>();

  NpyScanBuilder(NpyDataset dataset, StructType tableSchema, ReadOptions scanOptions) {
    this.dataset = dataset;
    this.scanOptions = scanOptions;
    this.required = tableSchema;
  }

  @Override
  public void pruneColumns(StructType requiredSchema) {
    this.required = requiredSchema;
  }

  /** The array has a field of that name, which then hides the metadata column. */
  @Override
  boolean rowIndexIsData() {
    return dataset.column(MetadataColumns.ROW_INDEX) != null;
  }

  @Override
  boolean aggregated() {
    return aggregate != null;
  }

  /**
   * Spark asks whether the scan answers an aggregation completely before it asks to push it, first with any AVG,
   * then with the AVG as SUM / COUNT: the first call is where averages are seen.
   */
  @Override
  public boolean supportCompletePushDown(Aggregation aggregation) {
    if (!scanOptions.pushDownAggregates()) {
      return false;
    }
    long rows = selection().rowCount();
    for (AggregateFunc function : aggregation.aggregateExpressions()) {
      if (function instanceof Avg avg && avg.column() instanceof NamedReference ref && ref.fieldNames().length == 1) {
        ArraySchema.DataColumn data = dataset.column(ref.fieldNames()[0]);
        AggregateColumn column = data == null ? null
            : AggregateColumn.of(data, dataset.layout(), dataset.options().datetimeAsLong());
        if (column != null && !column.sumExactInDouble(rows)) {
          inexactAverages.add(column.name());
        }
      }
    }
    AggregatePlan plan = AggregatePlan.of(aggregation, dataset);
    completeAggregation = plan != null && (plan.fromRowCounts() || onePartition());
    return completeAggregation;
  }

  /**
   * Whether the selected rows are read by one partition, whose partial aggregates are then the answer: Spark plans
   * no aggregate of its own, no exchange and no second stage (which cost more than summing a GiB-column here).
   */
  private boolean onePartition() {
    return PartitionPlanner.planAggregates(selection(), dataset.layout(), scanOptions).size() <= 1;
  }

  @Override
  public boolean pushAggregation(Aggregation aggregation) {
    if (!scanOptions.pushDownAggregates()) {
      return false;
    }
    AggregatePlan plan = AggregatePlan.of(aggregation, dataset);
    if (plan == null) {
      return false;
    }
    for (AggregateColumn summed : plan.summed()) {
      if (inexactAverages.contains(summed.name())) {
        return false;
      }
    }
    this.aggregate = plan;
    return true;
  }

  @Override
  public Scan build() {
    if (aggregate != null) {
      return aggregate.fromRowCounts()
          ? new NpyRowCountScan(dataset, aggregate, selection(), describePushed())
          : new NpyAggregateScan(dataset, aggregate, completeAggregation, selection(), describePushed(),
              scanOptions);
    }
    List<OutputColumn> outputs = new ArrayList<>();
    for (StructField field : required.fields()) {
      outputs.add(output(field));
    }
    return new NpyScan(dataset, required, outputs, scanOptions, selection(), describePushed());
  }

  private SelectedRows selection() {
    return pushedRows.selection(dataset.files());
  }

  private String describePushed() {
    return pushedRows.describe();
  }

  private OutputColumn output(StructField field) {
    ArraySchema.DataColumn data = dataset.column(field.name());
    if (data != null) {
      DataType actual = data.field().dataType();
      if (!readableAs(actual, field.dataType())) {
        throw new IllegalArgumentException("column '" + field.name() + "' of " + dataset.files().get(0).describe()
            + " reads as " + actual.simpleString() + ", not " + field.dataType().simpleString()
            + " as the given schema says");
      }
      return OutputColumn.data(data.plan().prune(field.dataType()));
    }
    if (MetadataColumns.ROW_INDEX.equals(field.name())) {
      return OutputColumn.metadata(OutputColumn.Kind.ROW_INDEX);
    }
    if (MetadataColumns.FILE.equals(field.name())) {
      return OutputColumn.metadata(OutputColumn.Kind.FILE);
    }
    throw new IllegalArgumentException("no column '" + field.name() + "' in " + dataset.files().get(0).describe()
        + "; its columns are " + String.join(", ", dataset.schema().fieldNames()));
  }

  /** Whether a column of type {@code actual} can be read as {@code requested}: the same, or with fields left out. */
  static boolean readableAs(DataType actual, DataType requested) {
    if (actual instanceof StructType a && requested instanceof StructType r) {
      for (StructField field : r.fields()) {
        StructField match = null;
        for (StructField candidate : a.fields()) {
          if (candidate.name().equals(field.name())) {
            match = candidate;
          }
        }
        if (match == null || !readableAs(match.dataType(), field.dataType())) {
          return false;
        }
      }
      return true;
    }
    if (actual instanceof ArrayType a && requested instanceof ArrayType r) {
      return readableAs(a.elementType(), r.elementType());
    }
    return actual.equals(requested);
  }
}
