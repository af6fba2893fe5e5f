package io.sparkmemmap.read;

import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.connector.read.Scan;
import org.apache.spark.sql.connector.read.ScanBuilder;
import org.apache.spark.sql.connector.read.SupportsPushDownRequiredColumns;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * Builds a scan of the columns a query needs (column pruning, down to nested struct fields): columns and fields
 * left out are never read.
 */
public final class NpyScanBuilder implements ScanBuilder, SupportsPushDownRequiredColumns {
  private final NpyDataset dataset;
  private final ReadOptions scanOptions;
  private StructType required;

  NpyScanBuilder(NpyDataset dataset, StructType tableSchema, ReadOptions scanOptions) {
    this.dataset = dataset;
    this.scanOptions = scanOptions;
    this.required = tableSchema;
  }

  @Override
  public void pruneColumns(StructType requiredSchema) {
    this.required = requiredSchema;
  }

  @Override
  public Scan build() {
    List<OutputColumn> outputs = new ArrayList<>();
    for (StructField field : required.fields()) {
      outputs.add(output(field));
    }
    return new NpyScan(dataset, required, outputs, scanOptions);
  }

  private OutputColumn output(StructField field) {
    ArraySchema.DataColumn data = find(field.name());
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

  private ArraySchema.DataColumn find(String name) {
    for (ArraySchema.DataColumn column : dataset.columns()) {
      if (column.field().name().equals(name)) {
        return column;
      }
    }
    for (ArraySchema.DataColumn column : dataset.columns()) {
      if (column.field().name().equalsIgnoreCase(name)) {
        return column;
      }
    }
    return null;
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
