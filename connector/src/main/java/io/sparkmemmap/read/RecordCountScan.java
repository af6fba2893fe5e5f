package io.sparkmemmap.read;

import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.GenericInternalRow;
import org.apache.spark.sql.connector.expressions.aggregate.AggregateFunc;
import org.apache.spark.sql.connector.expressions.aggregate.Aggregation;
import org.apache.spark.sql.connector.read.LocalScan;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.Metadata;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * COUNT(*) of records, answered at planning from the record counts in the index headers (and the selection that
 * pushed {@code _row_index} predicates, OFFSET and LIMIT made of them): no index array and no data is read.
 */
final class RecordCountScan implements LocalScan {
  private final String input;
  private final Aggregation aggregation;
  private final long rows;
  private final String pushed;

  RecordCountScan(String input, Aggregation aggregation, long rows, String pushed) {
    this.input = input;
    this.aggregation = aggregation;
    this.rows = rows;
    this.pushed = pushed;
  }

  @Override
  public StructType readSchema() {
    List<StructField> fields = new ArrayList<>();
    for (AggregateFunc function : aggregation.aggregateExpressions()) {
      fields.add(new StructField(function.toString(), DataTypes.LongType, false, Metadata.empty()));
    }
    return new StructType(fields.toArray(new StructField[0]));
  }

  @Override
  public String description() {
    return "RecordCountScan " + input + " aggregates=" + List.of(aggregation.aggregateExpressions())
        + " (from record counts)" + pushed;
  }

  @Override
  public InternalRow[] rows() {
    Object[] values = new Object[aggregation.aggregateExpressions().length];
    java.util.Arrays.fill(values, rows);
    return new InternalRow[] {new GenericInternalRow(values)};
  }
}
