package io.sparkmemmap.read;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;
import org.apache.spark.sql.connector.expressions.Expression;
import org.apache.spark.sql.connector.expressions.Literal;
import org.apache.spark.sql.connector.expressions.NamedReference;
import org.apache.spark.sql.connector.expressions.aggregate.AggregateFunc;
import org.apache.spark.sql.connector.expressions.aggregate.Aggregation;
import org.apache.spark.sql.connector.expressions.aggregate.Count;
import org.apache.spark.sql.connector.expressions.aggregate.CountStar;
import org.apache.spark.sql.connector.expressions.aggregate.Max;
import org.apache.spark.sql.connector.expressions.aggregate.Min;
import org.apache.spark.sql.connector.expressions.aggregate.Sum;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * Aggregates computed inside the scan: COUNT(*), COUNT, MIN, MAX and SUM over scalar numeric, boolean and temporal
 * columns and over {@code _row_index}, with no grouping or grouped by {@code _file}. The scan's rows are the
 * grouping column (if any) and then one column per aggregate, of the type Spark's own aggregate has: partial results
 * per partition that Spark combines, or, when everything follows from the row counts in the headers, the final
 * answer.
 */
final class AggregatePlan implements Serializable {
  private static final long serialVersionUID = 1L;

  /** What one output column holds. */
  enum Function {
    /** Rows of the group: COUNT(*), and COUNT of a column that is never null. */
    COUNT_ROWS,
    /** Non-null values of a column that may be null. */
    COUNT_VALUES,
    MIN,
    MAX,
    SUM,
    MIN_ROW_INDEX,
    MAX_ROW_INDEX
  }

  /** One output column: a function, over {@code columns[column]} where it reads one. */
  record Output(Function function, int column) implements Serializable {}

  private final boolean groupByFile;
  private final List<AggregateColumn> columns;
  private final boolean[] wantMinMax;
  private final boolean[] wantSum;
  private final List<Output> outputs;
  private final StructType schema;
  private final String description;

  private AggregatePlan(boolean groupByFile, List<AggregateColumn> columns, boolean[] wantMinMax, boolean[] wantSum,
      List<Output> outputs, StructType schema, String description) {
    this.groupByFile = groupByFile;
    this.columns = List.copyOf(columns);
    this.wantMinMax = wantMinMax;
    this.wantSum = wantSum;
    this.outputs = List.copyOf(outputs);
    this.schema = schema;
    this.description = description;
  }

  /** The plan of {@code aggregation}, or {@code null} when some part of it is not computed in the scan. */
  static AggregatePlan of(Aggregation aggregation, NpyDataset dataset) {
    Expression[] groupBy = aggregation.groupByExpressions();
    boolean groupByFile = groupBy.length == 1 && isMetadata(groupBy[0], MetadataColumns.FILE, dataset);
    if (groupBy.length > 0 && !groupByFile) {
      return null;
    }
    List<StructField> fields = new ArrayList<>();
    if (groupByFile) {
      fields.add(new StructField(MetadataColumns.FILE, DataTypes.StringType, false,
          org.apache.spark.sql.types.Metadata.empty()));
    }
    List<AggregateColumn> columns = new ArrayList<>();
    List<Boolean> minMax = new ArrayList<>();
    List<Boolean> sum = new ArrayList<>();
    List<Output> outputs = new ArrayList<>();
    for (AggregateFunc function : aggregation.aggregateExpressions()) {
      Output output = output(function, dataset, columns, minMax, sum);
      if (output == null) {
        return null;
      }
      outputs.add(output);
      fields.add(new StructField(function.toString(), outputType(output, columns), true,
          org.apache.spark.sql.types.Metadata.empty()));
    }
    boolean[] wantMinMax = new boolean[columns.size()];
    boolean[] wantSum = new boolean[columns.size()];
    for (int i = 0; i < columns.size(); i++) {
      wantMinMax[i] = minMax.get(i);
      wantSum[i] = sum.get(i);
    }
    String text = Arrays.toString(aggregation.aggregateExpressions())
        + (groupByFile ? " groupBy=[" + MetadataColumns.FILE + "]" : "");
    return new AggregatePlan(groupByFile, columns, wantMinMax, wantSum, outputs,
        new StructType(fields.toArray(new StructField[0])), text);
  }

  private static Output output(AggregateFunc function, NpyDataset dataset, List<AggregateColumn> columns,
      List<Boolean> minMax, List<Boolean> sum) {
    if (function instanceof CountStar) {
      return new Output(Function.COUNT_ROWS, -1);
    }
    if (function instanceof Count count) {
      if (count.isDistinct()) {
        return null;
      }
      Expression e = count.column();
      if (e instanceof Literal<?> literal) {
        return literal.value() == null ? null : new Output(Function.COUNT_ROWS, -1);
      }
      ArraySchema.DataColumn data = dataColumn(e, dataset);
      if (data == null) {
        return isMetadata(e, MetadataColumns.ROW_INDEX, dataset) || isMetadata(e, MetadataColumns.FILE, dataset)
            ? new Output(Function.COUNT_ROWS, -1)
            : null;
      }
      if (!data.field().nullable()) {
        return new Output(Function.COUNT_ROWS, -1);
      }
      int index = use(data, dataset, columns, minMax, sum, false, false);
      return index < 0 ? null : new Output(Function.COUNT_VALUES, index);
    }
    boolean isMin = function instanceof Min;
    if (isMin || function instanceof Max) {
      Expression e = isMin ? ((Min) function).column() : ((Max) function).column();
      if (isMetadata(e, MetadataColumns.ROW_INDEX, dataset)) {
        return new Output(isMin ? Function.MIN_ROW_INDEX : Function.MAX_ROW_INDEX, -1);
      }
      ArraySchema.DataColumn data = dataColumn(e, dataset);
      int index = data == null ? -1 : use(data, dataset, columns, minMax, sum, true, false);
      return index < 0 ? null : new Output(isMin ? Function.MIN : Function.MAX, index);
    }
    if (function instanceof Sum s) {
      ArraySchema.DataColumn data = s.isDistinct() ? null : dataColumn(s.column(), dataset);
      int index = data == null ? -1 : use(data, dataset, columns, minMax, sum, false, true);
      return index < 0 ? null : new Output(Function.SUM, index);
    }
    return null; // AVG arrives as SUM and COUNT; others are not computed in the scan
  }

  /** Registers what is computed over a data column; -1 when it cannot be. */
  private static int use(ArraySchema.DataColumn data, NpyDataset dataset, List<AggregateColumn> columns,
      List<Boolean> minMax, List<Boolean> sum, boolean needMinMax, boolean needSum) {
    for (int i = 0; i < columns.size(); i++) {
      if (columns.get(i).name().equals(data.field().name())) {
        minMax.set(i, minMax.get(i) || needMinMax);
        sum.set(i, sum.get(i) || needSum);
        return i;
      }
    }
    AggregateColumn column = AggregateColumn.of(data, dataset.layout(), dataset.options().datetimeAsLong());
    if (column == null || (needSum && !column.summable())) {
      return -1;
    }
    columns.add(column);
    minMax.add(needMinMax);
    sum.add(needSum);
    return columns.size() - 1;
  }

  /** Whether {@code e} is the metadata column {@code name}, which a data column of that name would hide. */
  private static boolean isMetadata(Expression e, String name, NpyDataset dataset) {
    return e instanceof NamedReference ref && ref.fieldNames().length == 1 && ref.fieldNames()[0].equals(name)
        && dataset.column(name) == null;
  }

  private static ArraySchema.DataColumn dataColumn(Expression e, NpyDataset dataset) {
    if (e instanceof NamedReference ref && ref.fieldNames().length == 1) {
      return dataset.column(ref.fieldNames()[0]);
    }
    return null;
  }

  private static DataType outputType(Output output, List<AggregateColumn> columns) {
    switch (output.function()) {
      case MIN:
      case MAX:
        return columns.get(output.column()).type();
      case SUM:
        return columns.get(output.column()).sumType();
      default:
        return DataTypes.LongType;
    }
  }

  /** Whether the answer follows from the rows selected in each file, with no data read. */
  boolean fromRowCounts() {
    for (Output output : outputs) {
      switch (output.function()) {
        case COUNT_ROWS:
        case MIN_ROW_INDEX:
        case MAX_ROW_INDEX:
          break;
        default:
          return false;
      }
    }
    return true;
  }

  /** The columns SUM is computed over: for the check that AVG over them, done as SUM / COUNT, stays exact. */
  List<AggregateColumn> summed() {
    List<AggregateColumn> result = new ArrayList<>();
    for (int i = 0; i < columns.size(); i++) {
      if (wantSum[i]) {
        result.add(columns.get(i));
      }
    }
    return result;
  }

  boolean groupByFile() {
    return groupByFile;
  }

  List<AggregateColumn> columns() {
    return columns;
  }

  List<Output> outputs() {
    return outputs;
  }

  StructType schema() {
    return schema;
  }

  /** Whether SUM is the only aggregate computed over column {@code column}: no MIN or MAX. */
  boolean sumOnly(int column) {
    return wantSum[column] && !wantMinMax[column];
  }

  /** Fresh accumulators for the columns, one per column. */
  ColumnStats[] newStats(boolean ansi) {
    ColumnStats[] stats = new ColumnStats[columns.size()];
    for (int i = 0; i < stats.length; i++) {
      stats[i] = new ColumnStats(wantMinMax[i], wantSum[i], ansi);
    }
    return stats;
  }

  /** The segments of a row the columns are read from. */
  int[] segments() {
    BitSet segments = new BitSet();
    for (AggregateColumn column : columns) {
      segments.set(column.segment());
    }
    return segments.stream().toArray();
  }

  /** For EXPLAIN: {@code [MIN(value), COUNT(*)] groupBy=[_file]}. */
  @Override
  public String toString() {
    return description;
  }
}
