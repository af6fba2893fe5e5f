package io.sparkmemmap.write;

import java.nio.ByteBuffer;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.SpecializedGetters;

/** A Spark struct (or the row itself) as a NumPy structured element: each field at its offset. */
final class StructEncoder extends ValueEncoder {
  private final ValueEncoder[] fields;
  /** For each NumPy field, the ordinal of the Spark field it is written from. */
  private final int[] sourceOrdinals;
  private final int[] offsets;
  private final int sourceFieldCount;
  private final boolean gaps;

  StructEncoder(String column, int byteSize, ValueEncoder[] fields, int[] sourceOrdinals, int[] offsets,
      int sourceFieldCount) {
    super(column, byteSize);
    this.fields = fields;
    this.sourceOrdinals = sourceOrdinals;
    this.offsets = offsets;
    this.sourceFieldCount = sourceFieldCount;
    long covered = 0;
    boolean childGaps = false;
    for (ValueEncoder field : fields) {
      covered += field.byteSize;
      childGaps |= field.hasGaps();
    }
    this.gaps = childGaps || covered < byteSize;
  }

  @Override
  void encode(SpecializedGetters src, int ordinal, ByteBuffer buf, int pos) {
    if (src.isNullAt(ordinal)) {
      encodeNull(buf, pos);
    } else {
      encodeFields(src.getStruct(ordinal, sourceFieldCount), buf, pos);
    }
  }

  void encodeFields(InternalRow struct, ByteBuffer buf, int pos) {
    for (int i = 0; i < fields.length; i++) {
      fields[i].encode(struct, sourceOrdinals[i], buf, pos + offsets[i]);
    }
  }

  @Override
  void encodeNull(ByteBuffer buf, int pos) {
    try {
      for (int i = 0; i < fields.length; i++) {
        fields[i].encodeNull(buf, pos + offsets[i]);
      }
    } catch (NpyWriteException e) {
      throw new NpyWriteException("column '" + column + "' holds a null struct; " + e.getMessage(), e);
    }
  }

  @Override
  boolean writesNulls() {
    for (ValueEncoder field : fields) {
      if (!field.writesNulls()) {
        return false;
      }
    }
    return true;
  }

  @Override
  boolean hasGaps() {
    return gaps;
  }
}
