package io.sparkmemmap.write;

import io.sparkmemmap.format.DType;
import io.sparkmemmap.format.DTypeKind;
import io.sparkmemmap.format.Endian;
import io.sparkmemmap.format.NumpyDescr;
import io.sparkmemmap.format.ScalarDType;
import io.sparkmemmap.format.Shape;
import io.sparkmemmap.format.StructDType;
import io.sparkmemmap.read.ReadOptions.Layout;
import io.sparkmemmap.schema.NumpySparkTypes;
import io.sparkmemmap.write.OutputPlan.ArrayNode;
import io.sparkmemmap.write.OutputPlan.LeafNode;
import io.sparkmemmap.write.OutputPlan.Member;
import io.sparkmemmap.write.OutputPlan.Node;
import io.sparkmemmap.write.OutputPlan.StructNode;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.MapType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * Plans the NumPy dtype and shape a DataFrame is written as (the SPEC's Write section):
 *
 * <ul>
 *   <li>one scalar column: a 1-D array of its type; one array column: an N-D array, its lengths the trailing axes;
 *   <li>several columns: a structured dtype, a field per column (structs nest, arrays become subarray fields);
 *   <li>{@code layout=columns}: scalar columns side by side in a 2-D array {@code (rows, columns)}.
 * </ul>
 *
 * <p>The type of each value is, first to last: the dtype of the array appended to, the {@code dtype} option, the
 * {@code numpy.dtype} metadata of the field, then the SPEC's default for the Spark type ({@code stringLength} gives
 * string widths).
 */
final class OutputPlanner {
  private final WriteOptions options;

  private OutputPlanner(WriteOptions options) {
    this.options = options;
  }

  /**
   * @param existing the array that an append adds rows to, which fixes dtype and row shape
   */
  static OutputPlan plan(StructType schema, WriteOptions options, Optional<ExistingArray> existing) {
    return new OutputPlanner(options).plan(schema, existing);
  }

  private OutputPlan plan(StructType schema, Optional<ExistingArray> existing) {
    StructField[] fields = schema.fields();
    if (fields.length == 0) {
      throw new IllegalArgumentException("the DataFrame has no columns: there is nothing to write");
    }
    Optional<DType> optionDType = options.dtype();
    DType target = null;
    Shape rowShape = null;
    if (existing.isPresent()) {
      ExistingArray array = existing.get();
      if (optionDType.isPresent() && !optionDType.get().equals(array.dtype())) {
        throw new IllegalArgumentException("option dtype " + NumpyDescr.toDescr(optionDType.get()) + " differs from "
            + "the dtype " + NumpyDescr.toDescr(array.dtype()) + " of " + array.resource() + ", which an append "
            + "must keep");
      }
      target = array.dtype();
      rowShape = array.rowShape();
    } else if (optionDType.isPresent()) {
      target = optionDType.get();
    }

    if (useColumnsLayout(fields, target, rowShape)) {
      return planColumns(fields, target, rowShape, existing);
    }
    if (fields.length == 1) {
      StructField field = fields[0];
      if (rowShape != null && rowShape.rank() > 0 && !(field.dataType() instanceof ArrayType)) {
        throw new IllegalArgumentException(existing.get().resource() + " has rows of shape " + rowShape + ", but "
            + "column '" + field.name() + "' is not an array");
      }
      Node node = node(field.name(), field.dataType(), field, target, rowShape, null);
      return OutputPlan.single(node);
    }
    if (rowShape != null && rowShape.rank() > 0) {
      throw new IllegalArgumentException(existing.get().resource() + " has rows of shape " + rowShape + "; the "
          + fields.length + " columns " + names(fields) + " need layout=columns to fill them side by side");
    }
    ScalarDType castAll = null;
    if (target instanceof ScalarDType scalar) {
      if (existing.isPresent()) {
        throw new IllegalArgumentException(existing.get().resource() + " holds " + NumpyDescr.toDescr(scalar)
            + " elements, not a structured dtype for the columns " + names(fields) + "; write one column, or "
            + "use layout=columns");
      }
      castAll = scalar;
      target = null;
    }
    return OutputPlan.struct((StructNode) structNode("", schema, null, (StructDType) target, castAll));
  }

  /** Whether scalar columns go side by side: asked for, or what the 2-D array appended to needs. */
  private boolean useColumnsLayout(StructField[] fields, DType target, Shape rowShape) {
    if (options.layout() == Layout.COLUMNS) {
      return true;
    }
    return rowShape != null && rowShape.rank() == 1 && target instanceof ScalarDType && fields.length > 1
        && Arrays.stream(fields).allMatch(f -> SourceKind.of(f.dataType()) != null);
  }

  private OutputPlan planColumns(StructField[] fields, DType target, Shape rowShape,
      Optional<ExistingArray> existing) {
    for (StructField field : fields) {
      if (SourceKind.of(field.dataType()) == null && !SourceKind.isComplexStruct(field.dataType())) {
        throw new IllegalArgumentException("layout=columns needs scalar columns, but column '" + field.name()
            + "' is " + field.dataType().simpleString());
      }
    }
    if (target != null && !(target instanceof ScalarDType)) {
      throw new IllegalArgumentException("layout=columns writes one dtype for every column, not the structured "
          + NumpyDescr.toDescr(target));
    }
    if (rowShape != null && !rowShape.equals(Shape.of(fields.length))) {
      throw new IllegalArgumentException(existing.get().resource() + " has rows of shape " + rowShape + ", not ("
          + fields.length + ",) for the columns " + names(fields));
    }
    ScalarDType common = (ScalarDType) target;
    if (common == null) {
      for (StructField field : fields) {
        ScalarDType own = leafTarget(field.name(), field.dataType(), field, null);
        common = common == null ? own : promote(common, own, fields);
      }
    }
    List<LeafNode> leaves = new ArrayList<>();
    for (StructField field : fields) {
      leaves.add(leaf(field.name(), field.dataType(), field, common));
    }
    return OutputPlan.columns(leaves);
  }

  /**
   * The node of a value.
   *
   * @param field the Spark field whose {@code numpy.dtype} metadata applies, or null
   * @param target the dtype asked for (by an existing array or the options), or null
   * @param subarray axes the dtype gives this value (a subarray field), or null when not given
   * @param castAll a scalar dtype that every numeric leaf is cast to, or null
   */
  private Node node(String column, DataType type, StructField field, DType target, Shape subarray,
      ScalarDType castAll) {
    if (type instanceof ArrayType array) {
      long fixed = -1;
      Shape inner = null;
      if (subarray != null) {
        if (subarray.rank() == 0) {
          throw new IllegalArgumentException("column '" + column + "' is " + type.simpleString() + ", but the "
              + "target gives it no array axes (a rank " + arrayDepth(type) + " subarray shape is needed)");
        }
        fixed = subarray.dim(0);
        inner = subarray.trailing();
      }
      return new ArrayNode(column, node(column, array.elementType(), field, target, inner, castAll), fixed);
    }
    if (subarray != null && subarray.rank() > 0) {
      throw new IllegalArgumentException("the target dtype gives column '" + column + "' the subarray shape "
          + subarray + ", but the column is " + type.simpleString() + ", not an array");
    }
    if (type instanceof MapType) {
      throw new IllegalArgumentException("column '" + column + "' is a map, which has no NumPy layout: turn it into "
          + "a struct or arrays of keys and values first");
    }
    if (type instanceof StructType struct && !isComplexTarget(struct, field, target)) {
      if (target instanceof ScalarDType scalar && castAll == null) {
        throw new IllegalArgumentException("column '" + column + "' is a struct, but the target dtype for it is "
            + scalar + ", not a structured dtype");
      }
      StructDType structTarget = target instanceof StructDType s ? s : recordedStruct(field);
      return structNode(column, struct, field, structTarget, castAll);
    }
    if (target instanceof StructDType) {
      throw new IllegalArgumentException("column '" + column + "' is " + type.simpleString() + ", but the target "
          + "dtype for it is the structured " + NumpyDescr.toDescr(target));
    }
    return leaf(column, type, field, target != null ? (ScalarDType) target : castAllFor(type, castAll));
  }

  private static ScalarDType castAllFor(DataType type, ScalarDType castAll) {
    SourceKind source = SourceKind.of(type);
    return castAll != null && source != null && source.isNumeric() ? castAll : null;
  }

  private boolean isComplexTarget(StructType struct, StructField field, DType target) {
    if (!SourceKind.isComplexStruct(struct)) {
      return false;
    }
    DType wanted = target != null ? target : recorded(field).orElse(null);
    return wanted instanceof ScalarDType scalar && scalar.kind() == DTypeKind.COMPLEX;
  }

  private Node structNode(String column, StructType struct, StructField field, StructDType target,
      ScalarDType castAll) {
    StructField[] sparkFields = struct.fields();
    String prefix = column.isEmpty() ? "" : column + ".";
    List<Member> members = new ArrayList<>();
    if (target == null) {
      for (int i = 0; i < sparkFields.length; i++) {
        StructField f = sparkFields[i];
        members.add(new Member(f.name(), null, i,
            node(prefix + f.name(), f.dataType(), f, null, null, castAll)));
      }
      return new StructNode(column, members, null, -1, sparkFields.length);
    }
    String where = column.isEmpty() ? "the DataFrame" : "column '" + column + "'";
    List<String> unmatched = new ArrayList<>(Arrays.stream(sparkFields).map(StructField::name).toList());
    int[] offsets = new int[target.fields().size()];
    // SQL's INSERT INTO ... VALUES names its columns col1, col2...: with no name in common, match by position
    boolean byPosition = sparkFields.length == offsets.length
        && target.fields().stream().allMatch(f -> ordinalOf(sparkFields, f.name()) < 0);
    for (int i = 0; i < offsets.length; i++) {
      StructDType.Field f = target.fields().get(i);
      int ordinal = byPosition ? i : ordinalOf(sparkFields, f.name());
      if (ordinal < 0) {
        throw new IllegalArgumentException("the target dtype " + NumpyDescr.toDescr(target) + " has a field '"
            + f.name() + "', but " + where + " has no such column (it has " + names(sparkFields) + ")");
      }
      unmatched.remove(sparkFields[ordinal].name());
      StructField sf = sparkFields[ordinal];
      members.add(new Member(f.name(), f.title(), ordinal,
          node(prefix + sf.name(), sf.dataType(), sf, f.dtype(), f.shape(), null)));
      offsets[i] = f.offset();
    }
    if (!unmatched.isEmpty()) {
      throw new IllegalArgumentException(where + " has column(s) " + unmatched + " that the target dtype "
          + NumpyDescr.toDescr(target) + " has no field for");
    }
    checkNoOverlap(target, column);
    return new StructNode(column, members, offsets, target.itemSize(), sparkFields.length);
  }

  private static int ordinalOf(StructField[] fields, String name) {
    for (int i = 0; i < fields.length; i++) {
      if (fields[i].name().equals(name)) {
        return i;
      }
    }
    int found = -1;
    for (int i = 0; i < fields.length; i++) {
      if (fields[i].name().equalsIgnoreCase(name)) {
        if (found >= 0) {
          return -1;
        }
        found = i;
      }
    }
    return found;
  }

  private static void checkNoOverlap(StructDType target, String column) {
    List<StructDType.Field> byOffset = new ArrayList<>(target.fields());
    byOffset.sort(Comparator.comparingInt(StructDType.Field::offset));
    for (int i = 1; i < byOffset.size(); i++) {
      StructDType.Field previous = byOffset.get(i - 1);
      if (previous.offset() + previous.byteSize() > byOffset.get(i).offset()) {
        throw new IllegalArgumentException("fields '" + previous.name() + "' and '" + byOffset.get(i).name()
            + "' of the target dtype overlap" + (column.isEmpty() ? "" : " in column '" + column + "'")
            + ", so a row has no single byte layout to write");
      }
    }
  }

  private LeafNode leaf(String column, DataType type, StructField field, ScalarDType target) {
    SourceKind source = SourceKind.isComplexStruct(type) ? SourceKind.COMPLEX : SourceKind.of(type);
    if (source == null) {
      throw unsupported(column, type);
    }
    ScalarDType chosen = target != null ? target : leafTarget(column, type, field, source);
    String problem = LeafEncoder.incompatibility(source, chosen);
    if (problem != null) {
      throw new IllegalArgumentException("column '" + column + "' of type " + type.simpleString() + " cannot be "
          + "written as NumPy " + chosen + ": " + problem);
    }
    return new LeafNode(column, type, source, chosen, options.nullValue().orElse(null));
  }

  /** The type of a scalar with no dtype asked for: recorded metadata that fits, else the SPEC's default. */
  private ScalarDType leafTarget(String column, DataType type, StructField field, SourceKind known) {
    SourceKind source = known != null ? known
        : SourceKind.isComplexStruct(type) ? SourceKind.COMPLEX : SourceKind.of(type);
    if (source == null) {
      throw unsupported(column, type);
    }
    Optional<DType> recorded = recorded(field);
    if (recorded.isPresent() && recorded.get() instanceof ScalarDType scalar
        && LeafEncoder.incompatibility(source, scalar) == null) {
      return scalar;
    }
    Optional<ScalarDType> standard = NumpySparkTypes.defaultNumpyType(type);
    if (standard.isPresent()) {
      return standard.get();
    }
    switch (source) {
      case STRING:
      case BINARY:
        int length = options.stringLength().orElseThrow(() -> new IllegalArgumentException("column '" + column
            + "' is " + type.simpleString() + ": NumPy strings have a fixed width, so set the stringLength option "
            + "(or a dtype such as " + (source == SourceKind.STRING ? "'<U16'" : "'|S16'") + ")"));
        return source == SourceKind.STRING
            ? ScalarDType.of(DTypeKind.UNICODE, Endian.LITTLE, Math.multiplyExact(length, 4))
            : ScalarDType.of(DTypeKind.BYTES, Endian.NOT_APPLICABLE, length);
      case DECIMAL:
        throw new IllegalArgumentException("column '" + column + "' is " + type.simpleString() + ", which NumPy has "
            + "no type for: cast it to double or long, or give a dtype (e.g. dtype='<f8')");
      case COMPLEX:
        return ScalarDType.of(DTypeKind.COMPLEX, Endian.LITTLE,
            type.sameType(NumpySparkTypes.complexType(org.apache.spark.sql.types.DataTypes.FloatType)) ? 8 : 16);
      case NULL:
        throw new IllegalArgumentException("column '" + column + "' holds only nulls (type void), so it has no "
            + "NumPy type: cast it, or give a dtype and a nullValue");
      default:
        throw unsupported(column, type);
    }
  }

  private static IllegalArgumentException unsupported(String column, DataType type) {
    return new IllegalArgumentException("column '" + column + "' is " + type.simpleString() + ", which has no "
        + "NumPy type to write it as");
  }

  /** The dtype recorded in a field's {@code numpy.dtype} metadata, when it parses. */
  private static Optional<DType> recorded(StructField field) {
    if (field == null) {
      return Optional.empty();
    }
    try {
      return NumpySparkTypes.recordedDType(field).map(NumpyDescr::parse);
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
  }

  private static StructDType recordedStruct(StructField field) {
    return recorded(field).filter(StructDType.class::isInstance).map(StructDType.class::cast).orElse(null);
  }

  /**
   * NumPy's promotion of two boolean or numeric types, as {@code np.result_type}: what {@code np.column_stack}
   * of the columns would hold.
   */
  private static ScalarDType promote(ScalarDType a, ScalarDType b, StructField[] fields) {
    if (a.equals(b)) {
      return a;
    }
    if (!isPlainNumber(a) || !isPlainNumber(b)) {
      throw new IllegalArgumentException("layout=columns writes one dtype, and the columns " + names(fields)
          + " have " + a + " and " + b + ", which NumPy does not promote to one: give the dtype option");
    }
    if (a.kind() == DTypeKind.BOOL) {
      return little(b);
    }
    if (b.kind() == DTypeKind.BOOL) {
      return little(a);
    }
    boolean aFloat = a.kind() == DTypeKind.FLOAT;
    boolean bFloat = b.kind() == DTypeKind.FLOAT;
    if (aFloat || bFloat) {
      int floatSize = Math.max(aFloat ? a.itemSize() : 0, bFloat ? b.itemSize() : 0);
      int needed = Math.max(aFloat ? 0 : floatFor(a), bFloat ? 0 : floatFor(b));
      return ScalarDType.of(DTypeKind.FLOAT, Endian.LITTLE, Math.max(floatSize, needed));
    }
    if (a.kind() == b.kind()) {
      return ScalarDType.of(a.kind(), Endian.LITTLE, Math.max(a.itemSize(), b.itemSize()));
    }
    ScalarDType signed = a.kind() == DTypeKind.INT ? a : b;
    ScalarDType unsigned = a.kind() == DTypeKind.UINT ? a : b;
    if (signed.itemSize() > unsigned.itemSize()) {
      return little(signed);
    }
    if (unsigned.itemSize() == 8) {
      return ScalarDType.of(DTypeKind.FLOAT, Endian.LITTLE, 8);
    }
    return ScalarDType.of(DTypeKind.INT, Endian.LITTLE, unsigned.itemSize() * 2);
  }

  private static boolean isPlainNumber(ScalarDType t) {
    return t.kind() == DTypeKind.BOOL || t.kind() == DTypeKind.INT || t.kind() == DTypeKind.UINT
        || t.kind() == DTypeKind.FLOAT;
  }

  /** The smallest float that holds every integer of the type as NumPy sees it. */
  private static int floatFor(ScalarDType integer) {
    return switch (integer.itemSize()) {
      case 1 -> 2;
      case 2 -> 4;
      default -> 8;
    };
  }

  private static ScalarDType little(ScalarDType t) {
    return t.withEndian(Endian.LITTLE);
  }

  private static int arrayDepth(DataType type) {
    return type instanceof ArrayType array ? 1 + arrayDepth(array.elementType()) : 0;
  }

  private static String names(StructField[] fields) {
    return Arrays.stream(fields).map(f -> "'" + f.name() + "'").collect(Collectors.joining(", ", "[", "]"));
  }
}
