package io.sparkmemmap.write;

import java.nio.ByteBuffer;
import org.apache.spark.sql.catalyst.expressions.SpecializedGetters;

/**
 * Writes one Spark value, found at {@code ordinal} of a row, struct or array, as the bytes of a NumPy element at
 * {@code pos} of a little-endian buffer. Built per task from an {@link OutputPlan}, once array lengths are known.
 */
abstract class ValueEncoder {
  /** The column path the value belongs to, for error messages: {@code emb}, {@code point.x}. */
  final String column;
  /** Bytes this value occupies. */
  final int byteSize;

  ValueEncoder(String column, int byteSize) {
    this.column = column;
    this.byteSize = byteSize;
  }

  /** Writes {@code src[ordinal]}, null or not, at {@code pos}. */
  abstract void encode(SpecializedGetters src, int ordinal, ByteBuffer buf, int pos);

  /** Writes what a null of this column becomes, or throws an {@link NpyWriteException} naming the column. */
  abstract void encodeNull(ByteBuffer buf, int pos);

  /** Whether a null of this column can be written (a fill value is known), so that {@link #encodeNull} works. */
  abstract boolean writesNulls();

  /** Whether bytes of this value are left unwritten (struct padding), so the row must be zeroed first. */
  boolean hasGaps() {
    return false;
  }

  static void zero(ByteBuffer buf, int from, int to) {
    int pos = from;
    for (; pos + 8 <= to; pos += 8) {
      buf.putLong(pos, 0L);
    }
    for (; pos < to; pos++) {
      buf.put(pos, (byte) 0);
    }
  }
}
