package io.sparkmemmap.schema;

import io.sparkmemmap.format.DType;
import io.sparkmemmap.format.DTypeKind;
import io.sparkmemmap.format.DateUnit;
import io.sparkmemmap.format.Endian;
import io.sparkmemmap.format.NumpyDescr;
import io.sparkmemmap.format.ScalarDType;
import java.util.Optional;
import org.apache.spark.sql.types.BooleanType;
import org.apache.spark.sql.types.ByteType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.DateType;
import org.apache.spark.sql.types.DayTimeIntervalType;
import org.apache.spark.sql.types.DoubleType;
import org.apache.spark.sql.types.FloatType;
import org.apache.spark.sql.types.IntegerType;
import org.apache.spark.sql.types.LongType;
import org.apache.spark.sql.types.Metadata;
import org.apache.spark.sql.types.MetadataBuilder;
import org.apache.spark.sql.types.ShortType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.sql.types.TimestampNTZType;
import org.apache.spark.sql.types.TimestampType;
import org.apache.spark.sql.types.YearMonthIntervalType;

/**
 * The type mapping of the SPEC in both directions, for scalar NumPy types. Every Spark field made from a NumPy type
 * carries that type's descr under {@link #DTYPE_METADATA_KEY}, so that writing a read DataFrame back reproduces it.
 */
public final class NumpySparkTypes {

  /** Field metadata key holding the NumPy dtype a column was read from, or is to be written as. */
  public static final String DTYPE_METADATA_KEY = "numpy.dtype";

  /** The struct a complex number reads as. */
  public static final String REAL = "real";
  public static final String IMAG = "imag";

  private NumpySparkTypes() {}

  /**
   * The Spark type a NumPy scalar reads as.
   *
   * @param bytesAsString read {@code S<n>} as UTF-8 strings instead of binary
   * @param datetimeAsLong read datetime64/timedelta64 as their raw int64 counts
   * @throws IllegalArgumentException for types Spark cannot hold: object, long double, generic datetime
   */
  public static DataType sparkType(ScalarDType t, boolean bytesAsString, boolean datetimeAsLong) {
    switch (t.kind()) {
      case BOOL:
        return DataTypes.BooleanType;
      case INT:
        switch (t.itemSize()) {
          case 1: return DataTypes.ByteType;
          case 2: return DataTypes.ShortType;
          case 4: return DataTypes.IntegerType;
          case 8: return DataTypes.LongType;
          default: throw unsupported(t, "no integer type of " + t.itemSize() + " bytes");
        }
      case UINT:
        switch (t.itemSize()) {
          case 1: return DataTypes.ShortType;
          case 2: return DataTypes.IntegerType;
          case 4: return DataTypes.LongType;
          case 8: return DataTypes.createDecimalType(20, 0);
          default: throw unsupported(t, "no unsigned integer type of " + t.itemSize() + " bytes");
        }
      case FLOAT:
        switch (t.itemSize()) {
          case 2:
          case 4: return DataTypes.FloatType;
          case 8: return DataTypes.DoubleType;
          default: throw unsupported(t, "no float type of " + t.itemSize() + " bytes");
        }
      case COMPLEX:
        switch (t.itemSize()) {
          case 8: return complexType(DataTypes.FloatType);
          case 16: return complexType(DataTypes.DoubleType);
          default: throw unsupported(t, "no complex type of " + t.itemSize() + " bytes");
        }
      case BYTES:
        return bytesAsString ? DataTypes.StringType : DataTypes.BinaryType;
      case UNICODE:
        return DataTypes.StringType;
      case VOID:
        return DataTypes.BinaryType;
      case DATETIME:
        if (datetimeAsLong) {
          return DataTypes.LongType;
        }
        if (t.unit() == DateUnit.GENERIC) {
          throw unsupported(t, "a datetime64 without a unit holds no values");
        }
        return t.unit().isCalendarDate() ? DataTypes.DateType : DataTypes.TimestampNTZType;
      case TIMEDELTA:
        if (datetimeAsLong) {
          return DataTypes.LongType;
        }
        if (t.unit() == DateUnit.GENERIC) {
          throw unsupported(t, "a timedelta64 without a unit holds no values");
        }
        return t.unit().isCalendarMonths()
            ? YearMonthIntervalType.DEFAULT()
            : DayTimeIntervalType.DEFAULT();
      case OBJECT:
      default:
        throw unsupported(t, "object arrays hold Python pointers, not data; save them with a fixed dtype");
    }
  }

  /** {@code struct<real, imag>} of the given component type. */
  public static StructType complexType(DataType component) {
    return new StructType()
        .add(REAL, component, false)
        .add(IMAG, component, false);
  }

  /**
   * The NumPy type a Spark column is written as when its metadata names none: the SPEC's Spark to NumPy table.
   * Strings and binary need a width, which is the writer's to decide; they and every other type give empty.
   */
  public static Optional<ScalarDType> defaultNumpyType(DataType t) {
    if (t instanceof BooleanType) {
      return Optional.of(ScalarDType.of(DTypeKind.BOOL, Endian.NOT_APPLICABLE, 1));
    } else if (t instanceof ByteType) {
      return Optional.of(ScalarDType.of(DTypeKind.INT, Endian.NOT_APPLICABLE, 1));
    } else if (t instanceof ShortType) {
      return Optional.of(ScalarDType.of(DTypeKind.INT, Endian.LITTLE, 2));
    } else if (t instanceof IntegerType) {
      return Optional.of(ScalarDType.of(DTypeKind.INT, Endian.LITTLE, 4));
    } else if (t instanceof LongType) {
      return Optional.of(ScalarDType.of(DTypeKind.INT, Endian.LITTLE, 8));
    } else if (t instanceof FloatType) {
      return Optional.of(ScalarDType.of(DTypeKind.FLOAT, Endian.LITTLE, 4));
    } else if (t instanceof DoubleType) {
      return Optional.of(ScalarDType.of(DTypeKind.FLOAT, Endian.LITTLE, 8));
    } else if (t instanceof DateType) {
      return Optional.of(ScalarDType.datetime(DTypeKind.DATETIME, Endian.LITTLE, DateUnit.DAY, 1));
    } else if (t instanceof TimestampType || t instanceof TimestampNTZType) {
      return Optional.of(ScalarDType.datetime(DTypeKind.DATETIME, Endian.LITTLE, DateUnit.MICROSECOND, 1));
    } else if (t instanceof DayTimeIntervalType) {
      return Optional.of(ScalarDType.datetime(DTypeKind.TIMEDELTA, Endian.LITTLE, DateUnit.MICROSECOND, 1));
    } else if (t instanceof YearMonthIntervalType) {
      return Optional.of(ScalarDType.datetime(DTypeKind.TIMEDELTA, Endian.LITTLE, DateUnit.MONTH, 1));
    }
    return Optional.empty();
  }

  /** Metadata that records the NumPy type of a field, keeping whatever metadata the field had. */
  public static Metadata withDType(Metadata existing, String descr) {
    return new MetadataBuilder().withMetadata(existing).putString(DTYPE_METADATA_KEY, descr).build();
  }

  /**
   * Metadata holding only the NumPy type of a field, as the {@code dtype} option takes it: {@code <f4} for a scalar,
   * the descr list for a structured type.
   */
  public static Metadata dtypeMetadata(DType dtype) {
    return withDType(Metadata.empty(), dtype instanceof ScalarDType ? dtype.toString() : NumpyDescr.toDescr(dtype));
  }

  /** The NumPy type recorded on a field, if any. */
  public static Optional<String> recordedDType(StructField field) {
    Metadata metadata = field.metadata();
    return metadata.contains(DTYPE_METADATA_KEY)
        ? Optional.of(metadata.getString(DTYPE_METADATA_KEY))
        : Optional.empty();
  }

  private static IllegalArgumentException unsupported(ScalarDType t, String why) {
    return new IllegalArgumentException("unsupported NumPy dtype '" + t + "': " + why);
  }
}
