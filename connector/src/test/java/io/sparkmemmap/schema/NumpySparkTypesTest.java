package io.sparkmemmap.schema;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkmemmap.format.DTypeKind;
import io.sparkmemmap.format.DateUnit;
import io.sparkmemmap.format.Endian;
import io.sparkmemmap.format.ScalarDType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.DayTimeIntervalType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.YearMonthIntervalType;
import org.junit.jupiter.api.Test;

class NumpySparkTypesTest {

  private static ScalarDType t(DTypeKind kind, int size) {
    return ScalarDType.of(kind, Endian.LITTLE, size);
  }

  private static ScalarDType time(DTypeKind kind, DateUnit unit) {
    return ScalarDType.datetime(kind, Endian.BIG, unit, 1);
  }

  private static DataType read(ScalarDType t) {
    return NumpySparkTypes.sparkType(t, false, false);
  }

  @Test
  void numbersFollowTheSpecTable() {
    assertEquals(DataTypes.BooleanType, read(t(DTypeKind.BOOL, 1)));
    assertEquals(DataTypes.ByteType, read(t(DTypeKind.INT, 1)));
    assertEquals(DataTypes.ShortType, read(t(DTypeKind.INT, 2)));
    assertEquals(DataTypes.IntegerType, read(t(DTypeKind.INT, 4)));
    assertEquals(DataTypes.LongType, read(t(DTypeKind.INT, 8)));
    assertEquals(DataTypes.ShortType, read(t(DTypeKind.UINT, 1)));
    assertEquals(DataTypes.IntegerType, read(t(DTypeKind.UINT, 2)));
    assertEquals(DataTypes.LongType, read(t(DTypeKind.UINT, 4)));
    assertEquals(DataTypes.createDecimalType(20, 0), read(t(DTypeKind.UINT, 8)));
    assertEquals(DataTypes.FloatType, read(t(DTypeKind.FLOAT, 2)));
    assertEquals(DataTypes.FloatType, read(t(DTypeKind.FLOAT, 4)));
    assertEquals(DataTypes.DoubleType, read(t(DTypeKind.FLOAT, 8)));
    assertEquals(NumpySparkTypes.complexType(DataTypes.FloatType), read(t(DTypeKind.COMPLEX, 8)));
    assertEquals(NumpySparkTypes.complexType(DataTypes.DoubleType), read(t(DTypeKind.COMPLEX, 16)));
  }

  @Test
  void stringsAndBlobs() {
    assertEquals(DataTypes.BinaryType, read(t(DTypeKind.BYTES, 16)));
    assertEquals(DataTypes.StringType, NumpySparkTypes.sparkType(t(DTypeKind.BYTES, 16), true, false));
    assertEquals(DataTypes.StringType, read(t(DTypeKind.UNICODE, 32)));
    assertEquals(DataTypes.BinaryType, read(t(DTypeKind.VOID, 3)));
  }

  @Test
  void datesTimestampsAndIntervals() {
    for (DateUnit unit : new DateUnit[] {DateUnit.YEAR, DateUnit.MONTH, DateUnit.WEEK, DateUnit.DAY}) {
      assertEquals(DataTypes.DateType, read(time(DTypeKind.DATETIME, unit)), unit.symbol());
    }
    for (DateUnit unit : new DateUnit[] {DateUnit.HOUR, DateUnit.SECOND, DateUnit.MICROSECOND,
        DateUnit.ATTOSECOND}) {
      assertEquals(DataTypes.TimestampNTZType, read(time(DTypeKind.DATETIME, unit)), unit.symbol());
      assertEquals(DayTimeIntervalType.DEFAULT(), read(time(DTypeKind.TIMEDELTA, unit)), unit.symbol());
    }
    assertEquals(YearMonthIntervalType.DEFAULT(), read(time(DTypeKind.TIMEDELTA, DateUnit.MONTH)));
    assertEquals(DataTypes.LongType,
        NumpySparkTypes.sparkType(time(DTypeKind.DATETIME, DateUnit.NANOSECOND), false, true));
  }

  @Test
  void typesSparkCannotHoldAreRefusedWithTheReason() {
    IllegalArgumentException object = assertThrows(IllegalArgumentException.class,
        () -> read(ScalarDType.of(DTypeKind.OBJECT, Endian.LITTLE, 8)));
    assertTrue(object.getMessage().contains("object"), object.getMessage());
    IllegalArgumentException generic = assertThrows(IllegalArgumentException.class,
        () -> read(time(DTypeKind.DATETIME, DateUnit.GENERIC)));
    assertTrue(generic.getMessage().contains("without a unit"), generic.getMessage());
  }

  @Test
  void sparkTypesWriteAsTheSpecSays() {
    assertEquals("|b1", NumpySparkTypes.defaultNumpyType(DataTypes.BooleanType).orElseThrow().toString());
    assertEquals("|i1", NumpySparkTypes.defaultNumpyType(DataTypes.ByteType).orElseThrow().toString());
    assertEquals("<i2", NumpySparkTypes.defaultNumpyType(DataTypes.ShortType).orElseThrow().toString());
    assertEquals("<i4", NumpySparkTypes.defaultNumpyType(DataTypes.IntegerType).orElseThrow().toString());
    assertEquals("<i8", NumpySparkTypes.defaultNumpyType(DataTypes.LongType).orElseThrow().toString());
    assertEquals("<f4", NumpySparkTypes.defaultNumpyType(DataTypes.FloatType).orElseThrow().toString());
    assertEquals("<f8", NumpySparkTypes.defaultNumpyType(DataTypes.DoubleType).orElseThrow().toString());
    assertEquals("<M8[D]", NumpySparkTypes.defaultNumpyType(DataTypes.DateType).orElseThrow().toString());
    assertEquals("<M8[us]", NumpySparkTypes.defaultNumpyType(DataTypes.TimestampType).orElseThrow().toString());
    assertEquals("<M8[us]", NumpySparkTypes.defaultNumpyType(DataTypes.TimestampNTZType).orElseThrow().toString());
    assertEquals("<m8[us]",
        NumpySparkTypes.defaultNumpyType(DayTimeIntervalType.DEFAULT()).orElseThrow().toString());
    assertTrue(NumpySparkTypes.defaultNumpyType(DataTypes.createDecimalType(10, 2)).isEmpty());
    assertTrue(NumpySparkTypes.defaultNumpyType(DataTypes.StringType).isEmpty());
  }

  @Test
  void metadataRecordsTheDType() {
    StructField field = new StructField("x", DataTypes.FloatType, false,
        NumpySparkTypes.dtypeMetadata(ScalarDType.of(DTypeKind.FLOAT, Endian.BIG, 4)));
    assertEquals(">f4", NumpySparkTypes.recordedDType(field).orElseThrow());
    assertTrue(NumpySparkTypes.recordedDType(new StructField("y", DataTypes.IntegerType, true,
        org.apache.spark.sql.types.Metadata.empty())).isEmpty());
  }
}
