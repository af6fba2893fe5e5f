package io.sparkmemmap.write;

import io.sparkmemmap.format.DType;
import io.sparkmemmap.format.NumpyDescr;
import io.sparkmemmap.format.megatron.MegatronDType;
import java.nio.ByteBuffer;
import org.apache.spark.sql.catalyst.expressions.SpecializedGetters;
import org.apache.spark.sql.types.ByteType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DoubleType;
import org.apache.spark.sql.types.FloatType;
import org.apache.spark.sql.types.IntegerType;
import org.apache.spark.sql.types.LongType;
import org.apache.spark.sql.types.ShortType;

/**
 * Encodes an element of a Spark array as a token dtype, little-endian, refusing nulls and values the dtype cannot
 * hold exactly (a token id of 70000 in {@code uint16} is an error, never a wrapped id).
 */
final class ElementEncoder extends ValueEncoder {
  private final DataType elementType;
  private final MegatronDType dtype;
  private final boolean integral;
  private final long min;
  private final long max;

  /** The token encoding of a Megatron write, sent to its tasks. */
  record Tokens(String column, DataType elementType, MegatronDType dtype) implements ElementEncoding {
    @Override
    public ValueEncoder valueEncoder() {
      return new ElementEncoder(column, elementType, dtype);
    }

    @Override
    public DType elementDType() {
      return NumpyDescr.parse(dtype.numpyDescr());
    }
  }

  ElementEncoder(String column, DataType elementType, MegatronDType dtype) {
    super(column, dtype.itemSize());
    if (!(elementType instanceof ByteType || elementType instanceof ShortType || elementType instanceof IntegerType
        || elementType instanceof LongType || elementType instanceof FloatType
        || elementType instanceof DoubleType)) {
      throw new IllegalArgumentException("elements of type " + elementType.simpleString() + " cannot be written as "
          + "Megatron tokens: use arrays of integers or floats");
    }
    this.elementType = elementType;
    this.dtype = dtype;
    this.integral = dtype != MegatronDType.FLOAT32 && dtype != MegatronDType.FLOAT64;
    switch (dtype) {
      case UINT8: min = 0; max = 255; break;
      case INT8: min = Byte.MIN_VALUE; max = Byte.MAX_VALUE; break;
      case INT16: min = Short.MIN_VALUE; max = Short.MAX_VALUE; break;
      case UINT16: min = 0; max = 65535; break;
      case INT32: min = Integer.MIN_VALUE; max = Integer.MAX_VALUE; break;
      default: min = Long.MIN_VALUE; max = Long.MAX_VALUE; break;
    }
    if (integral && (elementType instanceof FloatType || elementType instanceof DoubleType)) {
      throw new IllegalArgumentException("float elements cannot be written as integer tokens of dtype "
          + dtype.name().toLowerCase(java.util.Locale.ROOT) + ": cast the column to an integer array first");
    }
  }

  /**
   * Writes element {@code i} at {@code pos}.
   *
   * @throws NpyWriteException on a null or a value out of the dtype's range
   */
  @Override
  void encode(SpecializedGetters elements, int i, ByteBuffer out, int pos) {
    if (elements.isNullAt(i)) {
      encodeNull(out, pos);
    }
    if (integral) {
      long v = integer(elements, i, elementType);
      if (v < min || v > max) {
        throw new NpyWriteException("column '" + column + "' holds " + v + ", outside the range [" + min + ", " + max + "] of dtype "
            + dtype.name().toLowerCase(java.util.Locale.ROOT));
      }
      switch (dtype.itemSize()) {
        case 1: out.put(pos, (byte) v); break;
        case 2: out.putShort(pos, (short) v); break;
        case 4: out.putInt(pos, (int) v); break;
        default: out.putLong(pos, v); break;
      }
    } else if (dtype == MegatronDType.FLOAT32) {
      out.putFloat(pos, (float) value(elements, i, elementType));
    } else {
      out.putDouble(pos, value(elements, i, elementType));
    }
  }

  @Override
  void encodeNull(ByteBuffer out, int pos) {
    throw new NpyWriteException("column '" + column + "' holds a null, which a token cannot be");
  }

  @Override
  boolean writesNulls() {
    return false;
  }

  /** Element {@code i}, which is not null, as a double: what the dtype warnings compare. */
  static double value(SpecializedGetters elements, int i, DataType elementType) {
    return elementType instanceof FloatType ? elements.getFloat(i)
        : elementType instanceof DoubleType ? elements.getDouble(i) : integer(elements, i, elementType);
  }

  private static long integer(SpecializedGetters elements, int i, DataType elementType) {
    if (elementType instanceof ByteType) {
      return elements.getByte(i);
    } else if (elementType instanceof ShortType) {
      return elements.getShort(i);
    } else if (elementType instanceof IntegerType) {
      return elements.getInt(i);
    }
    return elements.getLong(i);
  }

  /**
   * The dtype a column is written as without option {@code dtype}: the one its field metadata records (a dataset
   * read from a pair keeps its dtype), else the narrowest that holds every value of the Spark element type exactly.
   */
  static MegatronDType inferred(DataType elementType, String recordedDescr) {
    if (recordedDescr != null) {
      // recorded as the .npy header writes it, a Python literal: '<u2'
      String descr = recordedDescr.strip().replace("'", "");
      for (MegatronDType dtype : MegatronDType.values()) {
        if (dtype.numpyDescr().equals(descr) || dtype.numpyDescr().substring(1).equals(descr.substring(1))) {
          return dtype;
        }
      }
    }
    if (elementType instanceof ByteType) {
      return MegatronDType.INT8;
    } else if (elementType instanceof ShortType) {
      return MegatronDType.INT16;
    } else if (elementType instanceof IntegerType) {
      return MegatronDType.INT32;
    } else if (elementType instanceof LongType) {
      return MegatronDType.INT64;
    } else if (elementType instanceof FloatType) {
      return MegatronDType.FLOAT32;
    }
    return MegatronDType.FLOAT64;
  }
}
