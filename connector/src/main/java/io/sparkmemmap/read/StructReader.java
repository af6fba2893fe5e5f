package io.sparkmemmap.read;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.execution.vectorized.WritableColumnVector;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * A structured value (or a complex number) as a Spark struct: each field read from its byte offset into the
 * matching child vector.
 */
final class StructReader extends ValueReader {
  private static final long serialVersionUID = 1L;

  private final List<String> names;
  private final int[] offsets;
  private final ValueReader[] fields;

  StructReader(List<String> names, int[] offsets, ValueReader[] fields) {
    this.names = List.copyOf(names);
    this.offsets = offsets.clone();
    this.fields = fields.clone();
  }

  @Override
  void read(ByteBuffer src, int srcPos, int srcStride, WritableColumnVector dst, int dstRow, int dstStride,
      int count, Scratch scratch) {
    reserve(dst, dstRow, dstStride, count);
    for (int i = 0; i < fields.length; i++) {
      fields[i].read(src, srcPos + offsets[i], srcStride, dst.getChild(i), dstRow, dstStride, count, scratch);
    }
  }

  /** Only the requested fields, in the requested order; the names are those of this reader's struct type. */
  @Override
  ValueReader prune(DataType requested) {
    if (!(requested instanceof StructType struct)) {
      throw new IllegalArgumentException("a struct cannot be read as " + requested.simpleString());
    }
    List<String> keptNames = new ArrayList<>();
    int[] keptOffsets = new int[struct.fields().length];
    ValueReader[] kept = new ValueReader[struct.fields().length];
    for (StructField field : struct.fields()) {
      int i = names.indexOf(field.name());
      if (i < 0) {
        throw new IllegalArgumentException("no field '" + field.name() + "' in struct of fields " + names);
      }
      keptOffsets[keptNames.size()] = offsets[i];
      kept[keptNames.size()] = fields[i].prune(field.dataType());
      keptNames.add(names.get(i));
    }
    return new StructReader(keptNames, keptOffsets, kept);
  }
}
