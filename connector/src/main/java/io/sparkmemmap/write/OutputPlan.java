package io.sparkmemmap.write;

import io.sparkmemmap.format.DType;
import io.sparkmemmap.format.NumpyDescr;
import io.sparkmemmap.format.ScalarDType;
import io.sparkmemmap.format.Shape;
import io.sparkmemmap.format.StructDType;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.SpecializedGetters;
import org.apache.spark.sql.catalyst.util.ArrayData;
import org.apache.spark.sql.types.DataType;

/**
 * How each row of a DataFrame becomes one element of a NumPy array (with its trailing axes), as the driver planned it
 * from the schema and the options. The lengths of array columns are not in a Spark schema: unless a dtype fixes
 * them, each task learns them from its first rows ({@link #resolve}), and the job checks that all tasks agree.
 * Lengths travel as a {@code long[]} indexed like {@link #arrayColumns()}, {@code -1} while unknown.
 */
final class OutputPlan implements ElementEncoding {
  private static final long serialVersionUID = 1L;

  /** How the columns of a row map to the element. */
  enum Form {
    /** One column; an array column's lengths become the trailing axes. */
    SINGLE,
    /** Several columns: one structured element with a field per column. */
    STRUCT,
    /** Several scalar columns of one dtype: a trailing axis of one element per column. */
    COLUMNS
  }

  private final Form form;
  private final Node root;
  private final List<LeafNode> columns;
  private final List<ArrayNode> arrays;

  private OutputPlan(Form form, Node root, List<LeafNode> columns) {
    this.form = form;
    this.root = root;
    this.columns = List.copyOf(columns);
    List<ArrayNode> found = new ArrayList<>();
    if (root != null) {
      root.visitArrays(found::add);
    }
    for (int i = 0; i < found.size(); i++) {
      found.get(i).index = i;
    }
    this.arrays = List.copyOf(found);
  }

  static OutputPlan single(Node column) {
    return new OutputPlan(Form.SINGLE, column, List.of());
  }

  static OutputPlan struct(StructNode row) {
    return new OutputPlan(Form.STRUCT, row, List.of());
  }

  static OutputPlan columns(List<LeafNode> columns) {
    return new OutputPlan(Form.COLUMNS, null, columns);
  }

  Form form() {
    return form;
  }

  /** Column paths of the arrays whose lengths a task resolves, in the order of a lengths vector. */
  List<String> arrayColumns() {
    return arrays.stream().map(a -> a.column).toList();
  }

  /** Lengths a dtype fixed in advance, {@code -1} for those to learn from the data. */
  long[] initialLengths() {
    long[] lengths = new long[arrays.size()];
    for (ArrayNode array : arrays) {
      lengths[array.index] = array.fixedLength;
    }
    return lengths;
  }

  static boolean isResolved(long[] lengths) {
    return Arrays.stream(lengths).allMatch(l -> l >= 0);
  }

  /** Lengths for an output without rows: what no row could tell becomes 0. */
  static long[] withUnknownAsZero(long[] lengths) {
    return Arrays.stream(lengths).map(l -> Math.max(l, 0)).toArray();
  }

  /** Learns unknown lengths from {@code row}; true once every length is known. */
  boolean resolve(InternalRow row, long[] lengths) {
    switch (form) {
      case SINGLE:
        return root.resolve(row, 0, lengths);
      case STRUCT:
        return ((StructNode) root).resolveFields(row, lengths);
      default:
        return true;
    }
  }

  /** The dtype of one element. */
  DType dtype(long[] lengths) {
    return form == Form.COLUMNS ? columns.get(0).target() : root.elementDType(lengths);
  }

  /** The shape of one row: the axes after axis 0. */
  Shape rowShape(long[] lengths) {
    return switch (form) {
      case SINGLE -> root.subarrayShape(lengths);
      case STRUCT -> Shape.scalar();
      case COLUMNS -> Shape.of(columns.size());
    };
  }

  /** Bytes of one row; an error when a row would not fit in the memory a task writes it through. */
  int rowBytes(long[] lengths) {
    long bytes = rowShape(lengths).byteCount(dtype(lengths).itemSize());
    if (bytes > Integer.MAX_VALUE - 64) {
      throw new IllegalArgumentException("one row would take " + bytes + " bytes, more than a write buffer holds");
    }
    return (int) bytes;
  }

  RowEncoder encoder(long[] lengths) {
    return switch (form) {
      case SINGLE -> new RowEncoder.Single(root.encoder(lengths));
      case STRUCT -> new RowEncoder.Struct((StructEncoder) root.encoder(lengths));
      case COLUMNS -> new RowEncoder.Columns(columns.stream().map(c -> c.encoder(lengths)).toArray(ValueEncoder[]::new));
    };
  }

  /**
   * The encoder of the one column's value on its own, for writers that place each value themselves (the elements
   * of a variable-length record): only for a single column without arrays, whose value has one size.
   */
  @Override
  public DType elementDType() {
    return dtype(new long[0]);
  }

  @Override
  public ValueEncoder valueEncoder() {
    if (form != Form.SINGLE || !arrays.isEmpty()) {
      throw new IllegalStateException("only a single column of one size has a value encoder, not " + form
          + " with arrays " + arrayColumns());
    }
    return root.encoder(new long[0]);
  }

  // ---- nodes -------------------------------------------------------------------------------------------------

  /** A Spark value and the NumPy layout it is written in. */
  abstract static class Node implements Serializable {
    private static final long serialVersionUID = 1L;
    final String column;

    Node(String column) {
      this.column = column;
    }

    /** The dtype of the innermost element: arrays contribute axes, not dtypes. */
    abstract DType elementDType(long[] lengths);

    /** The axes arrays add around the element; 0-d for scalars and structs. */
    Shape subarrayShape(long[] lengths) {
      return Shape.scalar();
    }

    final int byteSize(long[] lengths) {
      return Math.toIntExact(subarrayShape(lengths).byteCount(elementDType(lengths).itemSize()));
    }

    abstract ValueEncoder encoder(long[] lengths);

    /** Learns lengths from {@code src[ordinal]}; true when every length below this node is known. */
    abstract boolean resolve(SpecializedGetters src, int ordinal, long[] lengths);

    abstract void visitArrays(Consumer<ArrayNode> visitor);

    final boolean resolved(long[] lengths) {
      boolean[] all = {true};
      visitArrays(a -> all[0] &= lengths[a.index] >= 0);
      return all[0];
    }

    /** Zero elements tell nothing of the arrays inside them, and any length gives the same zero bytes. */
    final void zeroUnknown(long[] lengths) {
      visitArrays(a -> lengths[a.index] = Math.max(lengths[a.index], 0));
    }
  }

  /** A scalar column or field. */
  static final class LeafNode extends Node {
    private static final long serialVersionUID = 1L;
    private final DataType sparkType;
    private final SourceKind source;
    /** The target's descr; ScalarDType is not serializable. */
    private final String targetDescr;
    private final String nullValue;
    private transient ScalarDType target;

    LeafNode(String column, DataType sparkType, SourceKind source, ScalarDType target, String nullValue) {
      super(column);
      this.sparkType = sparkType;
      this.source = source;
      this.targetDescr = target.toString();
      this.nullValue = nullValue;
      this.target = target;
    }

    ScalarDType target() {
      if (target == null) {
        target = (ScalarDType) NumpyDescr.parse(targetDescr);
      }
      return target;
    }

    @Override
    DType elementDType(long[] lengths) {
      return target();
    }

    @Override
    ValueEncoder encoder(long[] lengths) {
      return LeafEncoder.create(column, sparkType, source, target(), nullValue);
    }

    @Override
    boolean resolve(SpecializedGetters src, int ordinal, long[] lengths) {
      return true;
    }

    @Override
    void visitArrays(Consumer<ArrayNode> visitor) {}
  }

  /** One field of a {@link StructNode}. */
  record Member(String name, String title, int sourceOrdinal, Node node) implements Serializable {}

  /** A struct column, or the whole row, as a structured element. */
  static final class StructNode extends Node {
    private static final long serialVersionUID = 1L;
    private final List<Member> members;
    /** Offsets and item size of a dtype that fixed them (padding kept); null when packed in member order. */
    private final int[] fixedOffsets;
    private final int fixedItemSize;
    private final int sourceFieldCount;

    StructNode(String column, List<Member> members, int[] fixedOffsets, int fixedItemSize, int sourceFieldCount) {
      super(column);
      this.members = List.copyOf(members);
      this.fixedOffsets = fixedOffsets;
      this.fixedItemSize = fixedItemSize;
      this.sourceFieldCount = sourceFieldCount;
    }

    private int[] offsets(long[] lengths) {
      if (fixedOffsets != null) {
        return fixedOffsets;
      }
      int[] offsets = new int[members.size()];
      int at = 0;
      for (int i = 0; i < offsets.length; i++) {
        offsets[i] = at;
        at = Math.addExact(at, members.get(i).node().byteSize(lengths));
      }
      return offsets;
    }

    private int itemSize(long[] lengths) {
      if (fixedOffsets != null) {
        return fixedItemSize;
      }
      int size = 0;
      for (Member member : members) {
        size = Math.addExact(size, member.node().byteSize(lengths));
      }
      return size;
    }

    @Override
    DType elementDType(long[] lengths) {
      int[] offsets = offsets(lengths);
      List<StructDType.Field> fields = new ArrayList<>();
      for (int i = 0; i < members.size(); i++) {
        Member member = members.get(i);
        fields.add(new StructDType.Field(member.name(), member.title(), member.node().elementDType(lengths),
            member.node().subarrayShape(lengths), offsets[i]));
      }
      return new StructDType(fields, itemSize(lengths));
    }

    @Override
    ValueEncoder encoder(long[] lengths) {
      ValueEncoder[] encoders = new ValueEncoder[members.size()];
      int[] ordinals = new int[members.size()];
      for (int i = 0; i < encoders.length; i++) {
        encoders[i] = members.get(i).node().encoder(lengths);
        ordinals[i] = members.get(i).sourceOrdinal();
      }
      return new StructEncoder(column, itemSize(lengths), encoders, ordinals, offsets(lengths), sourceFieldCount);
    }

    @Override
    boolean resolve(SpecializedGetters src, int ordinal, long[] lengths) {
      if (src.isNullAt(ordinal)) {
        return resolved(lengths);
      }
      return resolveFields(src.getStruct(ordinal, sourceFieldCount), lengths);
    }

    boolean resolveFields(InternalRow struct, long[] lengths) {
      boolean all = true;
      for (Member member : members) {
        all &= member.node().resolve(struct, member.sourceOrdinal(), lengths);
      }
      return all;
    }

    @Override
    void visitArrays(Consumer<ArrayNode> visitor) {
      for (Member member : members) {
        member.node().visitArrays(visitor);
      }
    }
  }

  /** An array column or field of one length for every row: a subarray, or the trailing axes. */
  static final class ArrayNode extends Node {
    private static final long serialVersionUID = 1L;
    private final Node element;
    /** A length a dtype gave; {@code -1} when the data tells it. */
    private final long fixedLength;
    private int index;

    ArrayNode(String column, Node element, long fixedLength) {
      super(column);
      this.element = element;
      this.fixedLength = fixedLength;
    }

    @Override
    DType elementDType(long[] lengths) {
      return element.elementDType(lengths);
    }

    @Override
    Shape subarrayShape(long[] lengths) {
      long[] inner = element.subarrayShape(lengths).dims();
      long[] dims = new long[inner.length + 1];
      dims[0] = lengths[index];
      System.arraycopy(inner, 0, dims, 1, inner.length);
      return Shape.of(dims);
    }

    @Override
    ValueEncoder encoder(long[] lengths) {
      return new ArrayEncoder(column, element.encoder(lengths), Math.toIntExact(lengths[index]),
          fixedLength >= 0 ? "the target dtype gives" : "earlier rows have");
    }

    @Override
    boolean resolve(SpecializedGetters src, int ordinal, long[] lengths) {
      if (src.isNullAt(ordinal)) {
        return resolved(lengths);
      }
      ArrayData array = src.getArray(ordinal);
      int n = array.numElements();
      if (lengths[index] < 0) {
        lengths[index] = n;
      }
      if (n == 0) {
        element.zeroUnknown(lengths);
      }
      for (int i = 0; i < n && !element.resolved(lengths); i++) {
        element.resolve(array, i, lengths);
      }
      return resolved(lengths);
    }

    @Override
    void visitArrays(Consumer<ArrayNode> visitor) {
      visitor.accept(this);
      element.visitArrays(visitor);
    }
  }
}
