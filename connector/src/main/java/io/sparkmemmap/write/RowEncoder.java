package io.sparkmemmap.write;

import java.nio.ByteBuffer;
import org.apache.spark.sql.catalyst.InternalRow;

/** Writes a whole row as the bytes of one output row, by the form of its {@link OutputPlan}. */
abstract class RowEncoder {
  final int rowBytes;
  /** Rows with padding are zeroed first, so that the file holds no stale bytes of the reused buffer. */
  private final boolean zeroFirst;

  RowEncoder(int rowBytes, boolean zeroFirst) {
    this.rowBytes = rowBytes;
    this.zeroFirst = zeroFirst;
  }

  final void encode(InternalRow row, ByteBuffer buf, int pos) {
    if (zeroFirst) {
      ValueEncoder.zero(buf, pos, pos + rowBytes);
    }
    encodeRow(row, buf, pos);
  }

  abstract void encodeRow(InternalRow row, ByteBuffer buf, int pos);

  /** One column: its value is the row. */
  static final class Single extends RowEncoder {
    private final ValueEncoder column;

    Single(ValueEncoder column) {
      super(column.byteSize, column.hasGaps());
      this.column = column;
    }

    @Override
    void encodeRow(InternalRow row, ByteBuffer buf, int pos) {
      column.encode(row, 0, buf, pos);
    }
  }

  /** Several columns as the fields of a structured element. */
  static final class Struct extends RowEncoder {
    private final StructEncoder fields;

    Struct(StructEncoder fields) {
      super(fields.byteSize, fields.hasGaps());
      this.fields = fields;
    }

    @Override
    void encodeRow(InternalRow row, ByteBuffer buf, int pos) {
      fields.encodeFields(row, buf, pos);
    }
  }

  /** Columns side by side along the last axis. */
  static final class Columns extends RowEncoder {
    private final ValueEncoder[] columns;
    private final int itemSize;

    Columns(ValueEncoder[] columns) {
      super(Math.multiplyExact(columns[0].byteSize, columns.length), false);
      this.columns = columns;
      this.itemSize = columns[0].byteSize;
    }

    @Override
    void encodeRow(InternalRow row, ByteBuffer buf, int pos) {
      for (int i = 0; i < columns.length; i++) {
        columns[i].encode(row, i, buf, pos + i * itemSize);
      }
    }
  }
}
