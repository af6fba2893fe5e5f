package io.sparkmemmap.read;

import io.sparkmemmap.format.DType;
import io.sparkmemmap.format.ScalarDType;
import io.sparkmemmap.format.Shape;
import io.sparkmemmap.format.StructDType;
import io.sparkmemmap.read.ReadOptions.Layout;
import io.sparkmemmap.schema.NumpySparkTypes;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.Metadata;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * The SPEC's "Schema" section: the columns an array reads as, each with the plan to read it. Every field carries
 * its NumPy dtype in the metadata key {@link NumpySparkTypes#DTYPE_METADATA_KEY}.
 */
final class ArraySchema {
  static final String VALUE = "value";
  static final String COLUMN_PREFIX = "c";

  /**
   * An output column and how to read it.
   *
   * @param scalar the column's NumPy type when each row holds one value of it (not an array, not a struct),
   *     which is what aggregates can be computed over; otherwise {@code null}
   */
  record DataColumn(StructField field, ColumnPlan plan, ScalarDType scalar) {}

  /** A Spark type with its reader. */
  private record Value(DataType type, boolean nullable, ValueReader reader) {}

  private final boolean bytesAsString;
  private final boolean datetimeAsLong;

  private ArraySchema(boolean bytesAsString, boolean datetimeAsLong) {
    this.bytesAsString = bytesAsString;
    this.datetimeAsLong = datetimeAsLong;
  }

  /**
   * The columns of an array of {@code dtype} whose rows have the shape {@code rowShape} (the trailing shape;
   * 0-d for 1-D arrays, 0-d arrays and the flat layout).
   */
  static List<DataColumn> columns(DType dtype, int[] rowShape, Layout layout, boolean bytesAsString,
      boolean datetimeAsLong) {
    return new ArraySchema(bytesAsString, datetimeAsLong).columns(dtype, rowShape, layout);
  }

  private List<DataColumn> columns(DType dtype, int[] rowShape, Layout layout) {
    Value item = value(dtype);
    List<DataColumn> columns = new ArrayList<>();
    if (layout == Layout.COLUMNS) {
      int width = rowShape[0];
      for (int j = 0; j < width; j++) {
        columns.add(column(COLUMN_PREFIX + j, item, dtype, new ColumnPlan(j, new int[0], 0, item.reader()),
            scalarOf(dtype)));
      }
    } else if (dtype instanceof StructDType struct) {
      for (StructDType.Field f : struct.fields()) {
        Value field = field(f);
        Value shaped = new Value(nest(rowShape, field.type(), field.nullable()),
            field.nullable() && rowShape.length == 0, field.reader());
        columns.add(column(f.name(), shaped, f.dtype(), new ColumnPlan(0, rowShape, f.offset(), field.reader()),
            rowShape.length == 0 && f.shape().rank() == 0 ? scalarOf(f.dtype()) : null));
      }
    } else {
      Value shaped = new Value(nest(rowShape, item.type(), item.nullable()),
          item.nullable() && rowShape.length == 0, item.reader());
      columns.add(column(VALUE, shaped, dtype, new ColumnPlan(0, rowShape, 0, item.reader()),
          rowShape.length == 0 ? scalarOf(dtype) : null));
    }
    return List.copyOf(columns);
  }

  private static DataColumn column(String name, Value value, DType dtype, ColumnPlan plan, ScalarDType scalar) {
    return new DataColumn(new StructField(name, value.type(), value.nullable(), metadata(dtype)), plan, scalar);
  }

  private static ScalarDType scalarOf(DType dtype) {
    return dtype instanceof ScalarDType scalar ? scalar : null;
  }

  private static Metadata metadata(DType dtype) {
    return NumpySparkTypes.dtypeMetadata(dtype);
  }

  /** The dtype as the field metadata records it, for messages: {@code <f4}, or a structured descr. */
  static String descr(DType dtype) {
    return metadata(dtype).getString(NumpySparkTypes.DTYPE_METADATA_KEY);
  }

  private Value value(DType dtype) {
    if (dtype instanceof ScalarDType scalar) {
      DataType type = NumpySparkTypes.sparkType(scalar, bytesAsString, datetimeAsLong);
      boolean nullable = scalar.kind().isTemporal() && !datetimeAsLong; // NaT reads as null
      return new Value(type, nullable, ScalarReaders.forType(scalar, bytesAsString, datetimeAsLong));
    }
    StructDType struct = (StructDType) dtype;
    List<StructField> fields = new ArrayList<>();
    List<String> names = new ArrayList<>();
    int[] offsets = new int[struct.fields().size()];
    ValueReader[] readers = new ValueReader[offsets.length];
    for (StructDType.Field f : struct.fields()) {
      Value field = field(f);
      offsets[names.size()] = f.offset();
      readers[names.size()] = field.reader();
      names.add(f.name());
      fields.add(new StructField(f.name(), field.type(), field.nullable(), metadata(f.dtype())));
    }
    return new Value(new StructType(fields.toArray(new StructField[0])), false,
        new StructReader(names, offsets, readers));
  }

  /** A field's value: its type, as nested arrays of the subarray shape when it has one. */
  private Value field(StructDType.Field f) {
    Value element = value(f.dtype());
    if (f.shape().rank() == 0) {
      return element;
    }
    int[] dims = intDims(f.shape());
    return new Value(nest(dims, element.type(), element.nullable()), false,
        new ArrayReader(dims, f.dtype().itemSize(), element.reader()));
  }

  /** {@code type} inside one array per axis of {@code dims}, outermost first. */
  private static DataType nest(int[] dims, DataType type, boolean containsNull) {
    DataType result = type;
    boolean nullable = containsNull;
    for (int axis = dims.length - 1; axis >= 0; axis--) {
      result = DataTypes.createArrayType(result, nullable);
      nullable = false;
    }
    return result;
  }

  static int[] intDims(Shape shape) {
    int[] dims = new int[shape.rank()];
    for (int axis = 0; axis < dims.length; axis++) {
      long d = shape.dim(axis);
      if (d > Integer.MAX_VALUE - 15) {
        throw new IllegalArgumentException("axis " + axis + " of shape " + shape + " is longer than a Spark array");
      }
      dims[axis] = (int) d;
    }
    return dims;
  }
}
