package io.sparkmemmap.write;

import io.sparkmemmap.format.DTypeKind;
import io.sparkmemmap.format.DateUnit;
import io.sparkmemmap.format.Endian;
import io.sparkmemmap.format.ScalarDType;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.SpecializedGetters;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DecimalType;
import org.apache.spark.sql.types.DoubleType;
import org.apache.spark.sql.types.StructType;

/**
 * One Spark scalar written as one NumPy scalar, converted as NumPy's {@code astype} converts, except that a value the
 * target cannot hold (out of range, NaN to an integer, too long a string) is an error naming the column rather than
 * a silent wrap-around. A null becomes the {@code nullValue} option parsed as the target type; datetime64 and
 * timedelta64 write NaT, NumPy's own null.
 */
abstract class LeafEncoder extends ValueEncoder {
  static final long NAT = Long.MIN_VALUE;

  final SourceKind source;
  final DataType sparkType;
  final ScalarDType target;
  final boolean bigEndian;
  private byte[] nullFill;
  private String nullProblem;

  LeafEncoder(String column, DataType sparkType, SourceKind source, ScalarDType target) {
    super(column, target.itemSize());
    this.source = source;
    this.sparkType = sparkType;
    this.target = target;
    this.bigEndian = target.endian() == Endian.BIG;
  }

  /**
   * The encoder of {@code source} values as {@code target}. The caller has checked {@link #incompatibility}.
   *
   * @param nullValue the {@code nullValue} option, or null
   */
  static LeafEncoder create(String column, DataType sparkType, SourceKind source, ScalarDType target,
      String nullValue) {
    LeafEncoder encoder = switch (target.kind()) {
      case BOOL, INT, UINT -> new IntegerEncoder(column, sparkType, source, target);
      case FLOAT -> new FloatEncoder(column, sparkType, source, target);
      case COMPLEX -> new ComplexEncoder(column, sparkType, source, target);
      case BYTES, VOID -> new BytesEncoder(column, sparkType, source, target);
      case UNICODE -> new UnicodeEncoder(column, sparkType, source, target);
      case DATETIME, TIMEDELTA -> new TemporalEncoder(column, sparkType, source, target);
      case OBJECT -> throw new IllegalArgumentException("column '" + column + "': the object dtype holds Python "
          + "pointers, not data, and cannot be written");
    };
    encoder.prepareNull(nullValue);
    return encoder;
  }

  /** Why {@code source} values cannot be written as {@code target}, or null when they can. */
  static String incompatibility(SourceKind source, ScalarDType target) {
    if (source == SourceKind.NULL) {
      return null;
    }
    boolean number = source.isNumeric();
    switch (target.kind()) {
      case BOOL:
      case INT:
      case UINT:
      case FLOAT:
        return number ? null : "only booleans and numbers convert to a NumPy number";
      case COMPLEX:
        return number || source == SourceKind.COMPLEX ? null
            : "only numbers and struct<real, imag> convert to a NumPy complex";
      case BYTES:
        return source == SourceKind.BINARY || source == SourceKind.STRING ? null
            : "only binary and string columns convert to a NumPy byte string";
      case VOID:
        return source == SourceKind.BINARY ? null : "only binary columns convert to NumPy void bytes";
      case UNICODE:
        return source == SourceKind.STRING ? null : "only string columns convert to a NumPy unicode string";
      case DATETIME:
        if (target.unit() == DateUnit.GENERIC) {
          return "a datetime64 without a unit holds no values: give one, e.g. datetime64[us]";
        }
        return source == SourceKind.DATE || source == SourceKind.TIMESTAMP || source.isIntegral() ? null
            : "only dates, timestamps and integer counts convert to a NumPy datetime64";
      case TIMEDELTA:
        if (target.unit() == DateUnit.GENERIC) {
          return "a timedelta64 without a unit holds no values: give one, e.g. timedelta64[us]";
        }
        if (source == SourceKind.DAY_TIME_INTERVAL) {
          return target.unit().isCalendarMonths() ? "a day-time interval has no length in years or months" : null;
        }
        if (source == SourceKind.YEAR_MONTH_INTERVAL) {
          return target.unit().isCalendarMonths() ? null : "a year-month interval has no length in days or seconds";
        }
        return source.isIntegral() ? null : "only intervals and integer counts convert to a NumPy timedelta64";
      default:
        return "the object dtype holds Python pointers, not data";
    }
  }

  @Override
  final void encode(SpecializedGetters src, int ordinal, ByteBuffer buf, int pos) {
    if (src.isNullAt(ordinal)) {
      encodeNull(buf, pos);
    } else {
      write(src, ordinal, buf, pos);
    }
  }

  /** Writes the non-null value at {@code src[ordinal]}. */
  abstract void write(SpecializedGetters src, int ordinal, ByteBuffer buf, int pos);

  /** Writes the {@code nullValue} option, parsed as this target type; throws when it is not one. */
  abstract void writeLiteral(String literal, ByteBuffer buf, int pos);

  @Override
  final void encodeNull(ByteBuffer buf, int pos) {
    if (nullFill == null) {
      throw new NpyWriteException(nullProblem);
    }
    buf.put(pos, nullFill);
  }

  @Override
  final boolean writesNulls() {
    return nullFill != null;
  }

  /** The bytes a null becomes: NaT for datetime64/timedelta64, else the {@code nullValue} option. */
  private void prepareNull(String nullValue) {
    ByteBuffer fill = ByteBuffer.allocate(byteSize).order(ByteOrder.LITTLE_ENDIAN);
    if (target.kind().isTemporal()) {
      putLong(fill, 0, NAT);
      nullFill = fill.array();
    } else if (nullValue == null) {
      nullProblem = "column '" + column + "' holds a null, which NumPy " + target + " has no value for: set the "
          + "nullValue option to the value to write instead, or fill or drop the nulls first";
    } else {
      try {
        writeLiteral(nullValue, fill, 0);
        nullFill = fill.array();
      } catch (RuntimeException e) {
        nullProblem = "column '" + column + "' holds a null, and nullValue '" + nullValue + "' is not a NumPy "
            + target + " value: " + e.getMessage();
      }
    }
  }

  NpyWriteException outOfRange(Object value) {
    return new NpyWriteException("column '" + column + "' holds " + value + ", which NumPy " + target
        + " cannot hold");
  }

  // ---- byte order --------------------------------------------------------------------------------------------

  final void putShort(ByteBuffer buf, int pos, short v) {
    buf.putShort(pos, bigEndian ? Short.reverseBytes(v) : v);
  }

  final void putInt(ByteBuffer buf, int pos, int v) {
    buf.putInt(pos, bigEndian ? Integer.reverseBytes(v) : v);
  }

  final void putLong(ByteBuffer buf, int pos, long v) {
    buf.putLong(pos, bigEndian ? Long.reverseBytes(v) : v);
  }

  final void putFloat(ByteBuffer buf, int pos, float v) {
    putInt(buf, pos, Float.floatToRawIntBits(v));
  }

  final void putDouble(ByteBuffer buf, int pos, double v) {
    putLong(buf, pos, Double.doubleToRawLongBits(v));
  }

  // ---- reading Spark values ----------------------------------------------------------------------------------

  /** A boolean or integral value as a long. */
  final long integral(SpecializedGetters src, int ordinal) {
    return switch (source) {
      case BOOLEAN -> src.getBoolean(ordinal) ? 1 : 0;
      case BYTE -> src.getByte(ordinal);
      case SHORT -> src.getShort(ordinal);
      case INT -> src.getInt(ordinal);
      case LONG -> src.getLong(ordinal);
      default -> throw new IllegalStateException("not an integral source: " + source);
    };
  }

  /** A boolean or number as a double, rounded as NumPy rounds an int64 or a decimal to float64. */
  final double real(SpecializedGetters src, int ordinal) {
    return switch (source) {
      case FLOAT -> src.getFloat(ordinal);
      case DOUBLE -> src.getDouble(ordinal);
      case DECIMAL -> decimal(src, ordinal).doubleValue();
      default -> integral(src, ordinal);
    };
  }

  final BigDecimal decimal(SpecializedGetters src, int ordinal) {
    DecimalType type = (DecimalType) sparkType;
    return src.getDecimal(ordinal, type.precision(), type.scale()).toJavaBigDecimal();
  }

  static double parseReal(String literal) {
    String text = literal.strip().toLowerCase(Locale.ROOT);
    return switch (text) {
      case "nan", "+nan", "-nan" -> Double.NaN;
      case "inf", "+inf", "infinity", "+infinity" -> Double.POSITIVE_INFINITY;
      case "-inf", "-infinity" -> Double.NEGATIVE_INFINITY;
      default -> Double.parseDouble(text);
    };
  }

  // ---- the target families -----------------------------------------------------------------------------------

  /** {@code b1}, {@code i1}..{@code i8}, {@code u1}..{@code u8}. */
  static final class IntegerEncoder extends LeafEncoder {
    private static final BigInteger TWO_64 = BigInteger.ONE.shiftLeft(64);
    private static final double TWO_63 = 0x1p63;
    private final long min;
    private final long max;
    private final boolean unsigned64;

    IntegerEncoder(String column, DataType sparkType, SourceKind source, ScalarDType target) {
      super(column, sparkType, source, target);
      int bits = 8 * target.itemSize();
      boolean unsigned = target.kind() == DTypeKind.UINT;
      this.unsigned64 = unsigned && bits == 64;
      if (target.kind() == DTypeKind.BOOL) {
        min = 0;
        max = 1;
      } else if (unsigned) {
        min = 0;
        max = bits == 64 ? Long.MAX_VALUE : (1L << bits) - 1;
      } else {
        min = bits == 64 ? Long.MIN_VALUE : -(1L << (bits - 1));
        max = bits == 64 ? Long.MAX_VALUE : (1L << (bits - 1)) - 1;
      }
    }

    @Override
    void write(SpecializedGetters src, int ordinal, ByteBuffer buf, int pos) {
      long value;
      if (target.kind() == DTypeKind.BOOL) {
        value = switch (source) {
          case FLOAT, DOUBLE -> real(src, ordinal) != 0.0 ? 1 : 0; // NaN too, as numpy's bool(nan)
          case DECIMAL -> decimal(src, ordinal).signum() != 0 ? 1 : 0;
          default -> integral(src, ordinal) != 0 ? 1 : 0;
        };
      } else {
        value = switch (source) {
          case FLOAT, DOUBLE -> fromDouble(real(src, ordinal));
          case DECIMAL -> fromBig(decimal(src, ordinal).toBigInteger());
          default -> checked(integral(src, ordinal));
        };
      }
      put(buf, pos, value);
    }

    @Override
    void writeLiteral(String literal, ByteBuffer buf, int pos) {
      String text = literal.strip();
      if (target.kind() == DTypeKind.BOOL) {
        switch (text.toLowerCase(Locale.ROOT)) {
          case "true", "1" -> put(buf, pos, 1);
          case "false", "0" -> put(buf, pos, 0);
          default -> throw new IllegalArgumentException("expected true or false");
        }
      } else {
        put(buf, pos, fromBig(new BigInteger(text)));
      }
    }

    private long checked(long value) {
      if (value < min || value > max) {
        throw outOfRange(value);
      }
      return value;
    }

    private long fromDouble(double value) {
      if (Double.isNaN(value) || Double.isInfinite(value)) {
        throw new NpyWriteException("column '" + column + "' holds " + value + ", which has no NumPy " + target
            + " value");
      }
      double truncated = value < 0 ? Math.ceil(value) : Math.floor(value);
      if (unsigned64 && truncated >= TWO_63 && truncated < 2 * TWO_63) {
        return (long) (truncated - TWO_63) ^ Long.MIN_VALUE;
      }
      if (truncated < -TWO_63 || truncated >= TWO_63) {
        throw outOfRange(value);
      }
      return checked((long) truncated);
    }

    private long fromBig(BigInteger value) {
      if (unsigned64) {
        if (value.signum() < 0 || value.compareTo(TWO_64) >= 0) {
          throw outOfRange(value);
        }
        return value.longValue();
      }
      if (value.bitLength() > 63) {
        throw outOfRange(value);
      }
      return checked(value.longValue());
    }

    private void put(ByteBuffer buf, int pos, long value) {
      switch (target.itemSize()) {
        case 1 -> buf.put(pos, (byte) value);
        case 2 -> putShort(buf, pos, (short) value);
        case 4 -> putInt(buf, pos, (int) value);
        default -> putLong(buf, pos, value);
      }
    }
  }

  /** {@code f2}, {@code f4}, {@code f8}. */
  static final class FloatEncoder extends LeafEncoder {
    FloatEncoder(String column, DataType sparkType, SourceKind source, ScalarDType target) {
      super(column, sparkType, source, target);
    }

    @Override
    void write(SpecializedGetters src, int ordinal, ByteBuffer buf, int pos) {
      if (source == SourceKind.FLOAT && target.itemSize() == 4) {
        putFloat(buf, pos, src.getFloat(ordinal));
      } else {
        put(buf, pos, real(src, ordinal));
      }
    }

    @Override
    void writeLiteral(String literal, ByteBuffer buf, int pos) {
      put(buf, pos, parseReal(literal));
    }

    private void put(ByteBuffer buf, int pos, double value) {
      switch (target.itemSize()) {
        case 2 -> putShort(buf, pos, Float16.fromDouble(value));
        case 4 -> putFloat(buf, pos, (float) value);
        default -> putDouble(buf, pos, value);
      }
    }
  }

  /** {@code c8}, {@code c16}: real part, then imaginary part. */
  static final class ComplexEncoder extends LeafEncoder {
    private final boolean doubleParts;

    ComplexEncoder(String column, DataType sparkType, SourceKind source, ScalarDType target) {
      super(column, sparkType, source, target);
      this.doubleParts = source == SourceKind.COMPLEX
          && ((StructType) sparkType).fields()[0].dataType() instanceof DoubleType;
    }

    @Override
    void write(SpecializedGetters src, int ordinal, ByteBuffer buf, int pos) {
      if (source != SourceKind.COMPLEX) {
        put(buf, pos, real(src, ordinal), 0.0);
        return;
      }
      InternalRow parts = src.getStruct(ordinal, 2);
      if (parts.isNullAt(0) || parts.isNullAt(1)) {
        encodeNull(buf, pos);
      } else if (doubleParts) {
        put(buf, pos, parts.getDouble(0), parts.getDouble(1));
      } else {
        put(buf, pos, parts.getFloat(0), parts.getFloat(1));
      }
    }

    @Override
    void writeLiteral(String literal, ByteBuffer buf, int pos) {
      put(buf, pos, parseReal(literal), 0.0);
    }

    private void put(ByteBuffer buf, int pos, double real, double imag) {
      if (target.itemSize() == 8) {
        putFloat(buf, pos, (float) real);
        putFloat(buf, pos + 4, (float) imag);
      } else {
        putDouble(buf, pos, real);
        putDouble(buf, pos + 8, imag);
      }
    }
  }

  /** {@code S<n>} (binary, or strings as UTF-8) and {@code V<n>}: the bytes, NUL-padded. */
  static final class BytesEncoder extends LeafEncoder {
    BytesEncoder(String column, DataType sparkType, SourceKind source, ScalarDType target) {
      super(column, sparkType, source, target);
    }

    @Override
    void write(SpecializedGetters src, int ordinal, ByteBuffer buf, int pos) {
      byte[] bytes = source == SourceKind.STRING ? src.getUTF8String(ordinal).getBytes() : src.getBinary(ordinal);
      put(buf, pos, bytes);
    }

    @Override
    void writeLiteral(String literal, ByteBuffer buf, int pos) {
      put(buf, pos, literal.getBytes(StandardCharsets.UTF_8));
    }

    private void put(ByteBuffer buf, int pos, byte[] bytes) {
      if (bytes.length > byteSize) {
        throw new NpyWriteException("column '" + column + "' holds a value of " + bytes.length + " bytes, longer "
            + "than the " + byteSize + " bytes of NumPy " + target + ": raise stringLength or give a wider dtype");
      }
      buf.put(pos, bytes);
      zero(buf, pos + bytes.length, pos + byteSize);
    }
  }

  /** {@code U<n>}: UTF-32 code points in the target's byte order, NUL-padded. */
  static final class UnicodeEncoder extends LeafEncoder {
    private final int characters;

    UnicodeEncoder(String column, DataType sparkType, SourceKind source, ScalarDType target) {
      super(column, sparkType, source, target);
      this.characters = target.itemSize() / 4;
    }

    @Override
    void write(SpecializedGetters src, int ordinal, ByteBuffer buf, int pos) {
      put(buf, pos, src.getUTF8String(ordinal).toString());
    }

    @Override
    void writeLiteral(String literal, ByteBuffer buf, int pos) {
      put(buf, pos, literal);
    }

    private void put(ByteBuffer buf, int pos, String text) {
      int count = text.codePointCount(0, text.length());
      if (count > characters) {
        throw new NpyWriteException("column '" + column + "' holds a string of " + count + " characters, longer "
            + "than the " + characters + " of NumPy " + target + ": raise stringLength or give a wider dtype");
      }
      int at = pos;
      for (int i = 0; i < text.length(); ) {
        int codePoint = text.codePointAt(i);
        putInt(buf, at, codePoint);
        at += 4;
        i += Character.charCount(codePoint);
      }
      zero(buf, at, pos + byteSize);
    }
  }

  /** {@code M8[unit]} from dates and timestamps, {@code m8[unit]} from intervals; integers are raw counts. */
  static final class TemporalEncoder extends LeafEncoder {
    TemporalEncoder(String column, DataType sparkType, SourceKind source, ScalarDType target) {
      super(column, sparkType, source, target);
    }

    @Override
    void write(SpecializedGetters src, int ordinal, ByteBuffer buf, int pos) {
      long count;
      try {
        count = switch (source) {
          case DATE -> TemporalUnits.fromEpochDays(src.getInt(ordinal), target);
          case TIMESTAMP, DAY_TIME_INTERVAL -> TemporalUnits.fromMicros(src.getLong(ordinal), target);
          case YEAR_MONTH_INTERVAL -> TemporalUnits.fromMonths(src.getInt(ordinal), target);
          default -> integral(src, ordinal);
        };
      } catch (ArithmeticException e) {
        throw new NpyWriteException("column '" + column + "' holds a value outside the range of NumPy " + target, e);
      }
      putLong(buf, pos, count);
    }

    @Override
    void writeLiteral(String literal, ByteBuffer buf, int pos) {
      putLong(buf, pos, NAT);
    }
  }
}
