package io.sparkmemmap.read;

import io.sparkmemmap.format.DTypeKind;
import io.sparkmemmap.format.DateUnit;
import io.sparkmemmap.format.Endian;
import io.sparkmemmap.format.ScalarDType;
import io.sparkmemmap.schema.NumpySparkTypes;
import java.nio.ByteBuffer;
import java.util.List;
import org.apache.spark.sql.execution.vectorized.WritableColumnVector;

/**
 * The readers of NumPy scalar types, one small class per conversion of the SPEC's type table. Each keeps its loop
 * free of per-value objects and type switches; little-endian numbers are packed ({@link ValueReader.Scratch#values})
 * and bulk-copied.
 */
final class ScalarReaders {
  private ScalarReaders() {}

  /**
   * The reader of a scalar type, matching {@link NumpySparkTypes#sparkType}.
   *
   * @throws IllegalArgumentException for the types Spark cannot hold, as {@code sparkType} refuses them
   */
  static ValueReader forType(ScalarDType t, boolean bytesAsString, boolean datetimeAsLong) {
    NumpySparkTypes.sparkType(t, bytesAsString, datetimeAsLong); // refuses what has no Spark type, with its message
    boolean big = t.endian() == Endian.BIG;
    switch (t.kind()) {
      case BOOL:
        return new BooleanReader();
      case INT:
        switch (t.itemSize()) {
          case 1: return new Int8Reader();
          case 2: return new Int16Reader(big);
          case 4: return new Int32Reader(big);
          default: return new Int64Reader(big);
        }
      case UINT:
        switch (t.itemSize()) {
          case 1: return new UInt8Reader();
          case 2: return new UInt16Reader(big);
          case 4: return new UInt32Reader(big);
          default: return new UInt64Reader(big);
        }
      case FLOAT:
        switch (t.itemSize()) {
          case 2: return new Float16Reader(big);
          case 4: return new Float32Reader(big);
          default: return new Float64Reader(big);
        }
      case COMPLEX: {
        int half = t.itemSize() / 2;
        ScalarDType component = ScalarDType.of(DTypeKind.FLOAT, t.endian(), half);
        ValueReader part = forType(component, false, false);
        return new StructReader(List.of(NumpySparkTypes.REAL, NumpySparkTypes.IMAG), new int[] {0, half},
            new ValueReader[] {part, part});
      }
      case BYTES:
        return new BytesReader(t.itemSize(), true);
      case VOID:
        return new BytesReader(t.itemSize(), false);
      case UNICODE:
        return new UnicodeReader(t.itemSize() / 4, big);
      case DATETIME:
        if (datetimeAsLong) {
          return new Int64Reader(big);
        }
        return t.unit().isCalendarDate()
            ? new DateReader(t.unit(), t.unitMultiplier(), big)
            : new MicrosReader(t.unit(), t.unitMultiplier(), big);
      case TIMEDELTA:
        if (datetimeAsLong) {
          return new Int64Reader(big);
        }
        return t.unit().isCalendarMonths()
            ? new MonthsReader(t.unit(), t.unitMultiplier(), big)
            : new MicrosReader(t.unit(), t.unitMultiplier(), big);
      default:
        throw new IllegalArgumentException("unsupported NumPy dtype '" + t + "'");
    }
  }

  static final class BooleanReader extends ValueReader {
    private static final long serialVersionUID = 1L;

    @Override
    WindowColumnVector.Kind inPlaceKind() {
      return WindowColumnVector.Kind.BOOLEAN;
    }

    @Override
    void read(ByteBuffer src, int srcPos, int srcStride, WritableColumnVector dst, int dstRow, int dstStride,
        int count, Scratch scratch) {
      reserve(dst, dstRow, dstStride, count);
      for (int k = 0; k < count; k++) {
        dst.putBoolean(dstRow + k * dstStride, src.get(srcPos + k * srcStride) != 0);
      }
    }
  }

  static final class Int8Reader extends ValueReader {
    private static final long serialVersionUID = 1L;

    @Override
    WindowColumnVector.Kind inPlaceKind() {
      return WindowColumnVector.Kind.BYTE;
    }

    @Override
    void read(ByteBuffer src, int srcPos, int srcStride, WritableColumnVector dst, int dstRow, int dstStride,
        int count, Scratch scratch) {
      reserve(dst, dstRow, dstStride, count);
      if (dstStride == 1) {
        byte[] bytes = scratch.values(src, srcPos, srcStride, count, 1);
        dst.putBytes(dstRow, count, bytes, scratch.offset());
        return;
      }
      for (int k = 0; k < count; k++) {
        dst.putByte(dstRow + k * dstStride, src.get(srcPos + k * srcStride));
      }
    }
  }

  static final class Int16Reader extends ValueReader {
    private static final long serialVersionUID = 1L;
    private final boolean bigEndian;

    Int16Reader(boolean bigEndian) {
      this.bigEndian = bigEndian;
    }

    @Override
    WindowColumnVector.Kind inPlaceKind() {
      return nativeOrder(bigEndian, WindowColumnVector.Kind.SHORT);
    }

    @Override
    void read(ByteBuffer src, int srcPos, int srcStride, WritableColumnVector dst, int dstRow, int dstStride,
        int count, Scratch scratch) {
      reserve(dst, dstRow, dstStride, count);
      if (!bigEndian && BufferAddress.NATIVE_LITTLE_ENDIAN && dstStride == 1) {
        byte[] bytes = scratch.values(src, srcPos, srcStride, count, 2);
        dst.putShorts(dstRow, count, bytes, scratch.offset());
        return;
      }
      for (int k = 0; k < count; k++) {
        short v = src.getShort(srcPos + k * srcStride);
        dst.putShort(dstRow + k * dstStride, bigEndian ? Short.reverseBytes(v) : v);
      }
    }
  }

  static final class Int32Reader extends ValueReader {
    private static final long serialVersionUID = 1L;
    private final boolean bigEndian;

    Int32Reader(boolean bigEndian) {
      this.bigEndian = bigEndian;
    }

    @Override
    WindowColumnVector.Kind inPlaceKind() {
      return nativeOrder(bigEndian, WindowColumnVector.Kind.INT);
    }

    @Override
    void read(ByteBuffer src, int srcPos, int srcStride, WritableColumnVector dst, int dstRow, int dstStride,
        int count, Scratch scratch) {
      reserve(dst, dstRow, dstStride, count);
      if (!bigEndian && dstStride == 1) {
        byte[] bytes = scratch.values(src, srcPos, srcStride, count, 4);
        dst.putIntsLittleEndian(dstRow, count, bytes, scratch.offset());
        return;
      }
      for (int k = 0; k < count; k++) {
        int v = src.getInt(srcPos + k * srcStride);
        dst.putInt(dstRow + k * dstStride, bigEndian ? Integer.reverseBytes(v) : v);
      }
    }
  }

  static final class Int64Reader extends ValueReader {
    private static final long serialVersionUID = 1L;
    private final boolean bigEndian;

    Int64Reader(boolean bigEndian) {
      this.bigEndian = bigEndian;
    }

    @Override
    WindowColumnVector.Kind inPlaceKind() {
      return nativeOrder(bigEndian, WindowColumnVector.Kind.LONG);
    }

    @Override
    void read(ByteBuffer src, int srcPos, int srcStride, WritableColumnVector dst, int dstRow, int dstStride,
        int count, Scratch scratch) {
      reserve(dst, dstRow, dstStride, count);
      if (!bigEndian && dstStride == 1) {
        byte[] bytes = scratch.values(src, srcPos, srcStride, count, 8);
        dst.putLongsLittleEndian(dstRow, count, bytes, scratch.offset());
        return;
      }
      for (int k = 0; k < count; k++) {
        long v = src.getLong(srcPos + k * srcStride);
        dst.putLong(dstRow + k * dstStride, bigEndian ? Long.reverseBytes(v) : v);
      }
    }
  }

  static final class UInt8Reader extends ValueReader {
    private static final long serialVersionUID = 1L;

    @Override
    WindowColumnVector.Kind inPlaceKind() {
      return WindowColumnVector.Kind.UNSIGNED_BYTE;
    }

    @Override
    void read(ByteBuffer src, int srcPos, int srcStride, WritableColumnVector dst, int dstRow, int dstStride,
        int count, Scratch scratch) {
      reserve(dst, dstRow, dstStride, count);
      for (int k = 0; k < count; k++) {
        dst.putShort(dstRow + k * dstStride, (short) (src.get(srcPos + k * srcStride) & 0xFF));
      }
    }
  }

  static final class UInt16Reader extends ValueReader {
    private static final long serialVersionUID = 1L;
    private final boolean bigEndian;

    UInt16Reader(boolean bigEndian) {
      this.bigEndian = bigEndian;
    }

    @Override
    WindowColumnVector.Kind inPlaceKind() {
      return nativeOrder(bigEndian, WindowColumnVector.Kind.UNSIGNED_SHORT);
    }

    @Override
    void read(ByteBuffer src, int srcPos, int srcStride, WritableColumnVector dst, int dstRow, int dstStride,
        int count, Scratch scratch) {
      reserve(dst, dstRow, dstStride, count);
      for (int k = 0; k < count; k++) {
        short v = src.getShort(srcPos + k * srcStride);
        dst.putInt(dstRow + k * dstStride, (bigEndian ? Short.reverseBytes(v) : v) & 0xFFFF);
      }
    }
  }

  static final class UInt32Reader extends ValueReader {
    private static final long serialVersionUID = 1L;
    private final boolean bigEndian;

    UInt32Reader(boolean bigEndian) {
      this.bigEndian = bigEndian;
    }

    @Override
    WindowColumnVector.Kind inPlaceKind() {
      return nativeOrder(bigEndian, WindowColumnVector.Kind.UNSIGNED_INT);
    }

    @Override
    void read(ByteBuffer src, int srcPos, int srcStride, WritableColumnVector dst, int dstRow, int dstStride,
        int count, Scratch scratch) {
      reserve(dst, dstRow, dstStride, count);
      for (int k = 0; k < count; k++) {
        int v = src.getInt(srcPos + k * srcStride);
        dst.putLong(dstRow + k * dstStride, (bigEndian ? Integer.reverseBytes(v) : v) & 0xFFFF_FFFFL);
      }
    }
  }

  /**
   * {@code u8} as {@code decimal(20,0)}, which Spark stores as the big-endian two's complement bytes of the unscaled
   * value: the eight bytes of the number behind a zero byte that keeps it positive.
   */
  static final class UInt64Reader extends ValueReader {
    private static final long serialVersionUID = 1L;
    private final boolean bigEndian;

    UInt64Reader(boolean bigEndian) {
      this.bigEndian = bigEndian;
    }

    @Override
    void read(ByteBuffer src, int srcPos, int srcStride, WritableColumnVector dst, int dstRow, int dstStride,
        int count, Scratch scratch) {
      reserve(dst, dstRow, dstStride, count);
      byte[] unscaled = scratch.buffer(9);
      unscaled[0] = 0;
      for (int k = 0; k < count; k++) {
        long v = src.getLong(srcPos + k * srcStride);
        if (bigEndian) {
          v = Long.reverseBytes(v);
        }
        for (int i = 8; i >= 1; i--) { // big-endian, as BigInteger reads them
          unscaled[i] = (byte) v;
          v >>>= 8;
        }
        dst.putByteArray(dstRow + k * dstStride, unscaled, 0, 9);
      }
    }
  }

  static final class Float16Reader extends ValueReader {
    private static final long serialVersionUID = 1L;
    private final boolean bigEndian;

    Float16Reader(boolean bigEndian) {
      this.bigEndian = bigEndian;
    }

    @Override
    void read(ByteBuffer src, int srcPos, int srcStride, WritableColumnVector dst, int dstRow, int dstStride,
        int count, Scratch scratch) {
      reserve(dst, dstRow, dstStride, count);
      for (int k = 0; k < count; k++) {
        short v = src.getShort(srcPos + k * srcStride);
        dst.putFloat(dstRow + k * dstStride, halfToFloat(bigEndian ? Short.reverseBytes(v) : v));
      }
    }

    /** IEEE binary16 to binary32, exactly (every half is a float). */
    static float halfToFloat(short half) {
      int h = half & 0xFFFF;
      int sign = (h & 0x8000) << 16;
      int exponent = (h >>> 10) & 0x1F;
      int mantissa = h & 0x3FF;
      if (exponent == 0x1F) {
        return Float.intBitsToFloat(sign | 0x7F80_0000 | (mantissa << 13));
      }
      if (exponent == 0) {
        float magnitude = mantissa * 0x1p-24f; // subnormal (or zero): mantissa * 2^-24, exact in a float
        return sign == 0 ? magnitude : -magnitude;
      }
      return Float.intBitsToFloat(sign | ((exponent + 112) << 23) | (mantissa << 13));
    }
  }

  static final class Float32Reader extends ValueReader {
    private static final long serialVersionUID = 1L;
    private final boolean bigEndian;

    Float32Reader(boolean bigEndian) {
      this.bigEndian = bigEndian;
    }

    @Override
    WindowColumnVector.Kind inPlaceKind() {
      return nativeOrder(bigEndian, WindowColumnVector.Kind.FLOAT);
    }

    @Override
    void read(ByteBuffer src, int srcPos, int srcStride, WritableColumnVector dst, int dstRow, int dstStride,
        int count, Scratch scratch) {
      reserve(dst, dstRow, dstStride, count);
      if (!bigEndian && dstStride == 1) {
        byte[] bytes = scratch.values(src, srcPos, srcStride, count, 4);
        dst.putFloatsLittleEndian(dstRow, count, bytes, scratch.offset());
        return;
      }
      for (int k = 0; k < count; k++) {
        int v = src.getInt(srcPos + k * srcStride);
        dst.putFloat(dstRow + k * dstStride, Float.intBitsToFloat(bigEndian ? Integer.reverseBytes(v) : v));
      }
    }
  }

  static final class Float64Reader extends ValueReader {
    private static final long serialVersionUID = 1L;
    private final boolean bigEndian;

    Float64Reader(boolean bigEndian) {
      this.bigEndian = bigEndian;
    }

    @Override
    WindowColumnVector.Kind inPlaceKind() {
      return nativeOrder(bigEndian, WindowColumnVector.Kind.DOUBLE);
    }

    @Override
    void read(ByteBuffer src, int srcPos, int srcStride, WritableColumnVector dst, int dstRow, int dstStride,
        int count, Scratch scratch) {
      reserve(dst, dstRow, dstStride, count);
      if (!bigEndian && dstStride == 1) {
        byte[] bytes = scratch.values(src, srcPos, srcStride, count, 8);
        dst.putDoublesLittleEndian(dstRow, count, bytes, scratch.offset());
        return;
      }
      for (int k = 0; k < count; k++) {
        long v = src.getLong(srcPos + k * srcStride);
        dst.putDouble(dstRow + k * dstStride, Double.longBitsToDouble(bigEndian ? Long.reverseBytes(v) : v));
      }
    }
  }

  /** Reads the int64 count of a datetime64/timedelta64 value; NaT stays {@link Long#MIN_VALUE}. */
  private static long count(ByteBuffer src, int pos, boolean bigEndian) {
    long v = src.getLong(pos);
    return bigEndian ? Long.reverseBytes(v) : v;
  }

  private static IllegalArgumentException outOfRange(long count, DateUnit unit, long multiplier, String target,
      ArithmeticException cause) {
    String unitText = (multiplier == 1 ? "" : Long.toString(multiplier)) + unit.symbol();
    IllegalArgumentException e = new IllegalArgumentException(
        "value " + count + " [" + unitText + "] is outside the range of Spark's " + target
            + "; read it with option datetimeAsLong=true");
    e.initCause(cause);
    return e;
  }

  /** {@code M8[Y]}, {@code M8[M]}, {@code M8[W]}, {@code M8[D]} as Spark dates (days since 1970-01-01). */
  static final class DateReader extends ValueReader {
    private static final long serialVersionUID = 1L;
    private final DateUnit unit;
    private final long multiplier;
    private final boolean bigEndian;

    DateReader(DateUnit unit, long multiplier, boolean bigEndian) {
      this.unit = unit;
      this.multiplier = multiplier;
      this.bigEndian = bigEndian;
    }

    @Override
    void read(ByteBuffer src, int srcPos, int srcStride, WritableColumnVector dst, int dstRow, int dstStride,
        int count, Scratch scratch) {
      reserve(dst, dstRow, dstStride, count);
      for (int k = 0; k < count; k++) {
        long v = count(src, srcPos + k * srcStride, bigEndian);
        int row = dstRow + k * dstStride;
        if (v == Long.MIN_VALUE) {
          dst.putNull(row);
        } else {
          dst.putInt(row, days(v));
        }
      }
    }

    private int days(long v) {
      try {
        long units = Math.multiplyExact(v, multiplier);
        switch (unit) {
          case YEAR:
            return Math.toIntExact(epochDay(Math.addExact(1970L, units), 1));
          case MONTH:
            return Math.toIntExact(epochDay(Math.addExact(1970L, Math.floorDiv(units, 12)),
                Math.floorMod(units, 12) + 1));
          case WEEK:
            return Math.toIntExact(Math.multiplyExact(units, 7L));
          default:
            return Math.toIntExact(units);
        }
      } catch (ArithmeticException e) {
        throw outOfRange(v, unit, multiplier, "date type", e);
      }
    }

    /** Days since 1970-01-01 of the first day of a month in the proleptic Gregorian calendar. */
    static long epochDay(long year, int month) {
      // Howard Hinnant's days_from_civil, for day 1 of the month.
      long y = month <= 2 ? year - 1 : year;
      long era = Math.floorDiv(y, 400);
      long yearOfEra = y - era * 400;
      long dayOfYear = (153L * (month > 2 ? month - 3 : month + 9) + 2) / 5;
      long dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear;
      return Math.addExact(Math.multiplyExact(era, 146097L), dayOfEra - 719468);
    }
  }

  /**
   * Units of an hour or finer as microseconds (timestamp_ntz), and timedeltas of weeks or finer as microseconds
   * (interval day to second); finer units are floored, as NumPy's {@code astype('M8[us]')} does.
   */
  static final class MicrosReader extends ValueReader {
    private static final long serialVersionUID = 1L;
    private final DateUnit unit;
    private final long multiplier;
    private final boolean bigEndian;

    MicrosReader(DateUnit unit, long multiplier, boolean bigEndian) {
      this.unit = unit;
      this.multiplier = multiplier;
      this.bigEndian = bigEndian;
    }

    @Override
    void read(ByteBuffer src, int srcPos, int srcStride, WritableColumnVector dst, int dstRow, int dstStride,
        int count, Scratch scratch) {
      reserve(dst, dstRow, dstStride, count);
      for (int k = 0; k < count; k++) {
        long v = count(src, srcPos + k * srcStride, bigEndian);
        int row = dstRow + k * dstStride;
        if (v == Long.MIN_VALUE) {
          dst.putNull(row);
        } else {
          try {
            dst.putLong(row, unit.toMicros(v, multiplier));
          } catch (ArithmeticException e) {
            throw outOfRange(v, unit, multiplier, "microsecond types", e);
          }
        }
      }
    }
  }

  /** {@code m8[Y]} and {@code m8[M]} as months (interval year to month). */
  static final class MonthsReader extends ValueReader {
    private static final long serialVersionUID = 1L;
    private final long monthsPerUnit;
    private final DateUnit unit;
    private final long multiplier;
    private final boolean bigEndian;

    MonthsReader(DateUnit unit, long multiplier, boolean bigEndian) {
      this.unit = unit;
      this.multiplier = multiplier;
      this.monthsPerUnit = unit == DateUnit.YEAR ? 12 : 1;
      this.bigEndian = bigEndian;
    }

    @Override
    void read(ByteBuffer src, int srcPos, int srcStride, WritableColumnVector dst, int dstRow, int dstStride,
        int count, Scratch scratch) {
      reserve(dst, dstRow, dstStride, count);
      for (int k = 0; k < count; k++) {
        long v = count(src, srcPos + k * srcStride, bigEndian);
        int row = dstRow + k * dstStride;
        if (v == Long.MIN_VALUE) {
          dst.putNull(row);
        } else {
          try {
            dst.putInt(row, Math.toIntExact(Math.multiplyExact(Math.multiplyExact(v, multiplier), monthsPerUnit)));
          } catch (ArithmeticException e) {
            throw outOfRange(v, unit, multiplier, "interval year to month", e);
          }
        }
      }
    }
  }

  /** {@code S<n>} (trailing NULs stripped, as NumPy strips them) and {@code V<n>} (kept whole). */
  static final class BytesReader extends ValueReader {
    private static final long serialVersionUID = 1L;
    private final int itemSize;
    private final boolean stripTrailingNuls;

    BytesReader(int itemSize, boolean stripTrailingNuls) {
      this.itemSize = itemSize;
      this.stripTrailingNuls = stripTrailingNuls;
    }

    @Override
    void read(ByteBuffer src, int srcPos, int srcStride, WritableColumnVector dst, int dstRow, int dstStride,
        int count, Scratch scratch) {
      reserve(dst, dstRow, dstStride, count);
      for (int k = 0; k < count; k++) {
        byte[] bytes = scratch.load(src, srcPos + k * srcStride, itemSize);
        int start = scratch.offset();
        int length = itemSize;
        if (stripTrailingNuls) {
          while (length > 0 && bytes[start + length - 1] == 0) {
            length--;
          }
        }
        dst.putByteArray(dstRow + k * dstStride, bytes, start, length);
      }
    }
  }

  /**
   * {@code U<n>}: n UTF-32 code units, re-encoded as UTF-8 with trailing NULs stripped. Code units that are no
   * Unicode scalar value (surrogates, above U+10FFFF) become U+FFFD, as a strict decoder would replace them.
   */
  static final class UnicodeReader extends ValueReader {
    private static final long serialVersionUID = 1L;
    private final int chars;
    private final boolean bigEndian;

    UnicodeReader(int chars, boolean bigEndian) {
      this.chars = chars;
      this.bigEndian = bigEndian;
    }

    @Override
    void read(ByteBuffer src, int srcPos, int srcStride, WritableColumnVector dst, int dstRow, int dstStride,
        int count, Scratch scratch) {
      reserve(dst, dstRow, dstStride, count);
      byte[] utf8 = scratch.buffer(chars * 4);
      for (int k = 0; k < count; k++) {
        int pos = srcPos + k * srcStride;
        int used = chars;
        while (used > 0 && src.getInt(pos + (used - 1) * 4) == 0) {
          used--;
        }
        int length = 0;
        for (int i = 0; i < used; i++) {
          int c = src.getInt(pos + i * 4);
          if (bigEndian) {
            c = Integer.reverseBytes(c);
          }
          length = encode(c, utf8, length);
        }
        dst.putByteArray(dstRow + k * dstStride, utf8, 0, length);
      }
    }

    private static int encode(int c, byte[] out, int at) {
      if (c >= 0 && c < 0x80) {
        out[at] = (byte) c;
        return at + 1;
      } else if (c >= 0 && c < 0x800) {
        out[at] = (byte) (0xC0 | (c >>> 6));
        out[at + 1] = (byte) (0x80 | (c & 0x3F));
        return at + 2;
      } else if (c >= 0 && c < 0x10000 && (c < 0xD800 || c > 0xDFFF)) {
        out[at] = (byte) (0xE0 | (c >>> 12));
        out[at + 1] = (byte) (0x80 | ((c >>> 6) & 0x3F));
        out[at + 2] = (byte) (0x80 | (c & 0x3F));
        return at + 3;
      } else if (c >= 0x10000 && c <= 0x10FFFF) {
        out[at] = (byte) (0xF0 | (c >>> 18));
        out[at + 1] = (byte) (0x80 | ((c >>> 12) & 0x3F));
        out[at + 2] = (byte) (0x80 | ((c >>> 6) & 0x3F));
        out[at + 3] = (byte) (0x80 | (c & 0x3F));
        return at + 4;
      }
      return encode(0xFFFD, out, at);
    }
  }
}
