package io.sparkmemmap.read;

import java.nio.ByteBuffer;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.Decimal;
import org.apache.spark.sql.vectorized.ColumnVector;
import org.apache.spark.sql.vectorized.ColumnarArray;
import org.apache.spark.sql.vectorized.ColumnarMap;
import org.apache.spark.unsafe.Platform;
import org.apache.spark.unsafe.types.UTF8String;

/**
 * A scalar column handed to Spark where its values lie in a read window: row {@code r} is the value at
 * {@code address + r * stride}, read when Spark asks for it, so that a batch costs no copy at all. Spark reads each
 * value of a full scan once, as it would from a vector the values were copied into; the copy was a quarter of the
 * executors' time in a noop-write scan of a (2^24, 16) float32 array, gathering every column out of the rows.
 *
 * <p>Only for windows this reader owns (positioned reads into its buffer, never a mapping: a fault on a mapped page
 * of a file truncated under Spark's code would be fatal there) and for values whose bytes are the Spark value in
 * the machine's byte order, or an unsigned one widened ({@link Kind}). The window holds the batch until the reader's
 * next {@code next()} or {@code close()}, Spark's contract for a batch.
 *
 * <p>The windows are direct buffers, read with a base the JIT knows to be null. Spark's generated loop calls these
 * getters through {@code ColumnVector} and inlines them, and an access whose base might be an array or null is
 * compiled as one that might be either, fenced or not by what the JIT profiled before: with such a base, a noop-write
 * scan of a (2^24, 16) float32 array took 364-391 ms, and 425-443 ms in a JVM that had written an array column
 * before (an array column read and written, not either alone); with the base known, 356-374 ms in both.
 */
final class WindowColumnVector extends ColumnVector {
  /** How a value's bytes become the Spark value. */
  enum Kind {
    BOOLEAN(1), BYTE(1), SHORT(2), INT(4), LONG(8), FLOAT(4), DOUBLE(8),
    /** {@code u1} as short. */
    UNSIGNED_BYTE(1),
    /** {@code u2} as int. */
    UNSIGNED_SHORT(2),
    /** {@code u4} as long. */
    UNSIGNED_INT(4);

    /** The bytes of a value in the file. */
    final int itemSize;

    Kind(int itemSize) {
      this.itemSize = itemSize;
    }
  }

  private final Kind kind;
  private final boolean unsigned;
  private long address;
  private int stride;

  WindowColumnVector(DataType type, Kind kind) {
    super(type);
    this.kind = kind;
    this.unsigned = kind == Kind.UNSIGNED_BYTE || kind == Kind.UNSIGNED_SHORT || kind == Kind.UNSIGNED_INT;
  }

  /**
   * Shows {@code rows} values, the first at byte {@code position} of the direct buffer {@code window} and each
   * {@code stride} bytes after the one before, all of them checked to lie within the window.
   */
  void show(ByteBuffer window, int position, int stride, int rows) {
    if (!window.isDirect()) {
      throw new IllegalArgumentException("values are read in place from direct buffers only");
    }
    BufferAddress.checkRange(window, position, stride, rows, kind.itemSize);
    this.address = BufferAddress.offset(window, position);
    this.stride = stride;
  }

  private long at(int rowId) {
    return address + (long) rowId * stride;
  }

  @Override
  public boolean getBoolean(int rowId) {
    return Platform.getByte(null, at(rowId)) != 0;
  }

  @Override
  public byte getByte(int rowId) {
    return Platform.getByte(null, at(rowId));
  }

  @Override
  public short getShort(int rowId) {
    return unsigned ? (short) (Platform.getByte(null, at(rowId)) & 0xFF) : Platform.getShort(null, at(rowId));
  }

  @Override
  public int getInt(int rowId) {
    return unsigned ? Platform.getShort(null, at(rowId)) & 0xFFFF : Platform.getInt(null, at(rowId));
  }

  @Override
  public long getLong(int rowId) {
    return unsigned ? Platform.getInt(null, at(rowId)) & 0xFFFF_FFFFL : Platform.getLong(null, at(rowId));
  }

  @Override
  public float getFloat(int rowId) {
    return Platform.getFloat(null, at(rowId));
  }

  @Override
  public double getDouble(int rowId) {
    return Platform.getDouble(null, at(rowId));
  }

  @Override
  public boolean hasNull() {
    return false;
  }

  @Override
  public int numNulls() {
    return 0;
  }

  @Override
  public boolean isNullAt(int rowId) {
    return false;
  }

  /** Nothing to free: the window belongs to the reader, which releases it when it closes. */
  @Override
  public void close() {}

  @Override
  public ColumnarArray getArray(int rowId) {
    throw notScalar();
  }

  @Override
  public ColumnarMap getMap(int ordinal) {
    throw notScalar();
  }

  @Override
  public Decimal getDecimal(int rowId, int precision, int scale) {
    throw notScalar();
  }

  @Override
  public UTF8String getUTF8String(int rowId) {
    throw notScalar();
  }

  @Override
  public byte[] getBinary(int rowId) {
    throw notScalar();
  }

  @Override
  public ColumnVector getChild(int ordinal) {
    throw notScalar();
  }

  private UnsupportedOperationException notScalar() {
    return new UnsupportedOperationException("a column of " + dataType().simpleString()
        + " values read in place holds numbers only");
  }
}
