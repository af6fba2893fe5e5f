package io.sparkmemmap.read;

import io.sparkmemmap.format.DTypeKind;
import io.sparkmemmap.format.Endian;
import io.sparkmemmap.format.ScalarDType;
import java.io.Serializable;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.apache.spark.sql.execution.vectorized.WritableColumnVector;
import org.apache.spark.sql.types.BooleanType;
import org.apache.spark.sql.types.ByteType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.Decimal;
import org.apache.spark.sql.types.DecimalType;
import org.apache.spark.sql.types.FloatType;
import org.apache.spark.sql.types.IntegerType;
import org.apache.spark.sql.types.ShortType;
import org.apache.spark.unsafe.Platform;

/**
 * One scalar column that pushed aggregates read: where its values lie in a row, and how they are decoded into
 * numbers that compare and add up as Spark's values of the column do. Decoding fills arrays of {@code long} or
 * {@code double}, a chunk at a time, for {@link ColumnStats}' loops.
 */
final class AggregateColumn implements Serializable {
  private static final long serialVersionUID = 1L;

  /** How values compare, add up and are null. */
  enum Kind {
    /** Signed integers, and unsigned ones narrower than 8 bytes, and booleans (0 or 1): longs. */
    INTEGER,
    /** {@code u8}: longs compared unsigned; read as decimal(20,0). */
    UNSIGNED64,
    /** {@code f2}, {@code f4}, {@code f8}: doubles (every half and float is one exactly). */
    FLOATING,
    /** datetime64 and timedelta64 read as Spark's temporal types: int64 counts, NaT is null. */
    TEMPORAL
  }

  private final String name;
  private final Kind kind;
  private final DTypeKind dtypeKind;
  private final int itemSize;
  private final boolean bigEndian;
  private final int segment;
  private final int offsetInRow;
  private final DataType type;
  private final ValueReader reader;

  private AggregateColumn(String name, Kind kind, ScalarDType dtype, int segment, int offsetInRow, DataType type,
      ValueReader reader) {
    this.name = name;
    this.kind = kind;
    this.dtypeKind = dtype.kind();
    this.itemSize = dtype.itemSize();
    this.bigEndian = dtype.endian() == Endian.BIG;
    this.segment = segment;
    this.offsetInRow = offsetInRow;
    this.type = type;
    this.reader = reader;
  }

  /** The column as aggregates read it, or {@code null} when aggregates over it are not computed in the scan. */
  static AggregateColumn of(ArraySchema.DataColumn column, RowLayout layout, boolean datetimeAsLong) {
    ScalarDType dtype = column.scalar();
    if (dtype == null) {
      return null;
    }
    Kind kind;
    switch (dtype.kind()) {
      case BOOL:
      case INT:
        kind = Kind.INTEGER;
        break;
      case UINT:
        kind = dtype.itemSize() == 8 ? Kind.UNSIGNED64 : Kind.INTEGER;
        break;
      case FLOAT:
        kind = Kind.FLOATING;
        break;
      case DATETIME:
      case TIMEDELTA:
        kind = datetimeAsLong ? Kind.INTEGER : Kind.TEMPORAL;
        break;
      default:
        return null;
    }
    ColumnPlan plan = column.plan();
    return new AggregateColumn(column.field().name(), kind, dtype, plan.segment(layout), plan.offsetInRow(layout),
        column.field().dataType(), plan.reader());
  }

  String name() {
    return name;
  }

  Kind kind() {
    return kind;
  }

  /** The Spark type of the column, which MIN and MAX return. */
  DataType type() {
    return type;
  }

  int segment() {
    return segment;
  }

  int itemSize() {
    return itemSize;
  }

  /** Whether the values are Java's own floats or doubles as they lie: little-endian float32 or float64. */
  boolean nativeFloatingPoint() {
    return kind == Kind.FLOATING && !bigEndian && (itemSize == 4 || itemSize == 8);
  }

  int offsetInRow() {
    return offsetInRow;
  }

  /** Whether SUM (and so AVG) over the column is computed in the scan. */
  boolean summable() {
    return kind == Kind.INTEGER && dtypeKind != DTypeKind.BOOL || kind == Kind.FLOATING;
  }

  /** The Spark type of SUM over the column. */
  DataType sumType() {
    return kind == Kind.FLOATING ? DataTypes.DoubleType : DataTypes.LongType;
  }

  /**
   * Whether every partial sum of {@code rows} values is below 2^53 in magnitude, so that a sum in doubles (how
   * Spark's AVG adds up integers) is exact and equals the sum in longs.
   */
  boolean sumExactInDouble(long rows) {
    if (kind != Kind.INTEGER) {
      return kind == Kind.FLOATING;
    }
    long largest = switch (itemSize) {
      case 1 -> 255;
      case 2 -> 65535;
      case 4 -> 0xFFFF_FFFFL;
      default -> Long.MAX_VALUE;
    };
    return rows <= (1L << 53) / largest;
  }

  /**
   * Decodes {@code n} values, value {@code k} at {@code pos + k * stride}, as longs ({@link Kind#FLOATING} aside),
   * read by address after one range check ({@link BufferAddress}).
   */
  void decode(ByteBuffer buf, int pos, int stride, int n, long[] out) {
    BufferAddress.checkRange(buf, pos, stride, n, itemSize);
    Object base = BufferAddress.base(buf);
    long p = BufferAddress.offset(buf, pos);
    boolean swap = swapsBytes();
    boolean unsigned = dtypeKind == DTypeKind.UINT;
    switch (itemSize) {
      case 1:
        if (dtypeKind == DTypeKind.BOOL) {
          for (int k = 0; k < n; k++, p += stride) {
            out[k] = Platform.getByte(base, p) != 0 ? 1 : 0;
          }
        } else if (unsigned) {
          for (int k = 0; k < n; k++, p += stride) {
            out[k] = Platform.getByte(base, p) & 0xFF;
          }
        } else {
          for (int k = 0; k < n; k++, p += stride) {
            out[k] = Platform.getByte(base, p);
          }
        }
        break;
      case 2:
        for (int k = 0; k < n; k++, p += stride) {
          short v = Platform.getShort(base, p);
          if (swap) {
            v = Short.reverseBytes(v);
          }
          out[k] = unsigned ? v & 0xFFFF : v;
        }
        break;
      case 4:
        for (int k = 0; k < n; k++, p += stride) {
          int v = Platform.getInt(base, p);
          if (swap) {
            v = Integer.reverseBytes(v);
          }
          out[k] = unsigned ? v & 0xFFFF_FFFFL : v;
        }
        break;
      default:
        if (swap) {
          for (int k = 0; k < n; k++, p += stride) {
            out[k] = Long.reverseBytes(Platform.getLong(base, p));
          }
        } else {
          for (int k = 0; k < n; k++, p += stride) {
            out[k] = Platform.getLong(base, p);
          }
        }
    }
  }

  /** Decodes {@code n} floating-point values, value {@code k} at {@code pos + k * stride}, as the longs are. */
  void decode(ByteBuffer buf, int pos, int stride, int n, double[] out) {
    BufferAddress.checkRange(buf, pos, stride, n, itemSize);
    Object base = BufferAddress.base(buf);
    long p = BufferAddress.offset(buf, pos);
    boolean swap = swapsBytes();
    switch (itemSize) {
      case 2:
        for (int k = 0; k < n; k++, p += stride) {
          short v = Platform.getShort(base, p);
          out[k] = ScalarReaders.Float16Reader.halfToFloat(swap ? Short.reverseBytes(v) : v);
        }
        break;
      case 4:
        if (swap) {
          for (int k = 0; k < n; k++, p += stride) {
            out[k] = Float.intBitsToFloat(Integer.reverseBytes(Platform.getInt(base, p)));
          }
        } else {
          for (int k = 0; k < n; k++, p += stride) {
            out[k] = Platform.getFloat(base, p);
          }
        }
        break;
      default:
        if (swap) {
          for (int k = 0; k < n; k++, p += stride) {
            out[k] = Double.longBitsToDouble(Long.reverseBytes(Platform.getLong(base, p)));
          }
        } else {
          for (int k = 0; k < n; k++, p += stride) {
            out[k] = Platform.getDouble(base, p);
          }
        }
    }
  }

  /** Whether the column's byte order is not the machine's, in which Platform reads values. */
  private boolean swapsBytes() {
    return bigEndian == BufferAddress.NATIVE_LITTLE_ENDIAN;
  }

  /** Writes a minimum or maximum (as {@link ColumnStats} holds it) into row {@code row} as the column reads it. */
  void put(WritableColumnVector vector, int row, long value, double floating, ValueReader.Scratch scratch) {
    switch (kind) {
      case FLOATING:
        if (type instanceof FloatType) {
          vector.putFloat(row, (float) floating);
        } else {
          vector.putDouble(row, floating);
        }
        break;
      case UNSIGNED64:
        Decimal decimal = Decimal.apply(new BigDecimal(new BigInteger(Long.toUnsignedString(value))));
        vector.putDecimal(row, decimal, ((DecimalType) type).precision());
        break;
      case TEMPORAL: {
        // The column's own reader converts the count, with its units and range checks.
        ByteBuffer bytes = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        bytes.putLong(0, bigEndian ? Long.reverseBytes(value) : value);
        reader.read(bytes, 0, 8, vector, row, 1, 1, scratch);
        break;
      }
      default:
        if (type instanceof BooleanType) {
          vector.putBoolean(row, value != 0);
        } else if (type instanceof ByteType) {
          vector.putByte(row, (byte) value);
        } else if (type instanceof ShortType) {
          vector.putShort(row, (short) value);
        } else if (type instanceof IntegerType) {
          vector.putInt(row, (int) value);
        } else {
          vector.putLong(row, value);
        }
    }
  }
}
