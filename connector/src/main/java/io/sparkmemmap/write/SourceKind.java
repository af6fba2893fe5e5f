package io.sparkmemmap.write;

import io.sparkmemmap.schema.NumpySparkTypes;
import org.apache.spark.sql.types.BinaryType;
import org.apache.spark.sql.types.BooleanType;
import org.apache.spark.sql.types.ByteType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DateType;
import org.apache.spark.sql.types.DayTimeIntervalType;
import org.apache.spark.sql.types.DecimalType;
import org.apache.spark.sql.types.DoubleType;
import org.apache.spark.sql.types.FloatType;
import org.apache.spark.sql.types.IntegerType;
import org.apache.spark.sql.types.LongType;
import org.apache.spark.sql.types.NullType;
import org.apache.spark.sql.types.ShortType;
import org.apache.spark.sql.types.StringType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.sql.types.TimestampNTZType;
import org.apache.spark.sql.types.TimestampType;
import org.apache.spark.sql.types.YearMonthIntervalType;

/** What a Spark scalar column holds, as far as converting it to NumPy bytes goes. */
enum SourceKind {
  BOOLEAN,
  BYTE,
  SHORT,
  INT,
  LONG,
  FLOAT,
  DOUBLE,
  DECIMAL,
  DATE,
  /** Timestamps with and without time zone: microseconds since the epoch, written as naive UTC. */
  TIMESTAMP,
  DAY_TIME_INTERVAL,
  YEAR_MONTH_INTERVAL,
  STRING,
  BINARY,
  /** {@code struct<real, imag>} of float or double: what a NumPy complex reads as. */
  COMPLEX,
  /** A column of only nulls. */
  NULL;

  /** The kind of a Spark type that is written as one scalar, or null for structs, arrays and maps. */
  static SourceKind of(DataType type) {
    if (type instanceof BooleanType) {
      return BOOLEAN;
    } else if (type instanceof ByteType) {
      return BYTE;
    } else if (type instanceof ShortType) {
      return SHORT;
    } else if (type instanceof IntegerType) {
      return INT;
    } else if (type instanceof LongType) {
      return LONG;
    } else if (type instanceof FloatType) {
      return FLOAT;
    } else if (type instanceof DoubleType) {
      return DOUBLE;
    } else if (type instanceof DecimalType) {
      return DECIMAL;
    } else if (type instanceof DateType) {
      return DATE;
    } else if (type instanceof TimestampType || type instanceof TimestampNTZType) {
      return TIMESTAMP;
    } else if (type instanceof DayTimeIntervalType) {
      return DAY_TIME_INTERVAL;
    } else if (type instanceof YearMonthIntervalType) {
      return YEAR_MONTH_INTERVAL;
    } else if (type instanceof StringType) {
      return STRING;
    } else if (type instanceof BinaryType) {
      return BINARY;
    } else if (type instanceof NullType) {
      return NULL;
    }
    return null;
  }

  /** Whether a struct has the shape of a complex number: fields real and imag, both float or both double. */
  static boolean isComplexStruct(DataType type) {
    if (!(type instanceof StructType struct) || struct.fields().length != 2) {
      return false;
    }
    StructField real = struct.fields()[0];
    StructField imag = struct.fields()[1];
    return real.name().equals(NumpySparkTypes.REAL) && imag.name().equals(NumpySparkTypes.IMAG)
        && real.dataType().equals(imag.dataType())
        && (real.dataType() instanceof FloatType || real.dataType() instanceof DoubleType);
  }

  boolean isIntegral() {
    return this == BYTE || this == SHORT || this == INT || this == LONG;
  }

  /** Booleans and numbers: the columns a scalar {@code dtype} option casts. */
  boolean isNumeric() {
    return this == BOOLEAN || isIntegral() || this == FLOAT || this == DOUBLE || this == DECIMAL;
  }
}
