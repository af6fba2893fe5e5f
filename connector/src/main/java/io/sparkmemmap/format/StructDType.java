package io.sparkmemmap.format;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * A structured NumPy type: named fields at byte offsets within an item of {@code itemSize} bytes. Gaps between
 * fields and after the last one are padding; numpy writes them as unnamed void fields, which are not kept here.
 */
public record StructDType(List<Field> fields, int itemSize) implements DType {

  public StructDType {
    fields = List.copyOf(fields);
    for (Field field : fields) {
      long end = (long) field.offset() + field.byteSize();
      if (field.offset() < 0 || end > itemSize) {
        throw new IllegalArgumentException(
            "field '" + field.name() + "' at offset " + field.offset() + " does not fit in " + itemSize + " bytes");
      }
    }
    // a set, not a pairwise check: a header may list tens of thousands of fields
    Set<String> names = new HashSet<>();
    for (Field field : fields) {
      if (!names.add(field.name())) {
        throw new IllegalArgumentException("field name '" + field.name() + "' appears twice");
      }
    }
  }

  /** A packed struct: each field right after the previous one, as a list descr without padding describes. */
  public static StructDType packed(List<Field> fields) {
    return new StructDType(fields, fields.isEmpty() ? 0 : Math.toIntExact(
        fields.get(fields.size() - 1).offset() + fields.get(fields.size() - 1).byteSize()));
  }

  public Field field(String name) {
    for (Field field : fields) {
      if (field.name().equals(name)) {
        return field;
      }
    }
    throw new IllegalArgumentException("no field '" + name + "' in " + this);
  }

  @Override
  public boolean containsObject() {
    return fields.stream().anyMatch(f -> f.dtype().containsObject());
  }

  /**
   * One field of a structured type.
   *
   * @param name the field name (never empty: padding is not a field)
   * @param title numpy's optional field title, or {@code null}
   * @param dtype the element type of the field
   * @param shape the subarray shape of the field, 0-d for a plain field
   * @param offset byte offset of the field within the item
   */
  public record Field(String name, String title, DType dtype, Shape shape, int offset) implements java.io.Serializable {
    public Field {
      if (name == null || name.isEmpty()) {
        throw new IllegalArgumentException("a field needs a name");
      }
      if (shape == null) {
        shape = Shape.scalar();
      }
      if (shape.rank() > 0 && dtype instanceof ScalarDType scalar && scalar.kind().isFlexible()
          && scalar.itemSize() == 0) {
        throw new IllegalArgumentException("numpy has no subarray of the unsized type " + scalar);
      }
    }

    public static Field of(String name, DType dtype, int offset) {
      return new Field(name, null, dtype, Shape.scalar(), offset);
    }

    /** Bytes the field occupies: the item size times the subarray's element count. */
    public long byteSize() {
      return shape.byteCount(dtype.itemSize());
    }
  }
}
