package io.sparkmemmap;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Duration;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.Period;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import scala.jdk.javaapi.CollectionConverters;

/**
 * Spark values in the canonical form of {@link Python#PRELUDE}'s {@code canon}, and that form parsed from the JSON
 * Python prints, so that tests compare what Spark read with what NumPy holds, value for value.
 */
public final class SparkValues {
  private static final ObjectMapper JSON = new ObjectMapper();

  private SparkValues() {}

  /** The canonical form of a list of rows: one map per row, of the selected columns. */
  public static List<Object> canonical(List<Row> rows) {
    List<Object> result = new ArrayList<>();
    for (Row row : rows) {
      result.add(canonical(row));
    }
    return result;
  }

  /** The canonical form of one Spark value. */
  public static Object canonical(Object value) {
    if (value == null) {
      return null;
    } else if (value instanceof Row row) {
      Map<String, Object> map = new LinkedHashMap<>();
      String[] names = row.schema().fieldNames();
      for (int i = 0; i < names.length; i++) {
        map.put(names[i], canonical(row.get(i)));
      }
      return map;
    } else if (value instanceof scala.collection.Seq<?> seq) {
      return canonical(CollectionConverters.asJava(seq));
    } else if (value instanceof List<?> list) {
      List<Object> result = new ArrayList<>();
      for (Object element : list) {
        result.add(canonical(element));
      }
      return result;
    } else if (value instanceof byte[] bytes) {
      return HexFormat.of().formatHex(bytes);
    } else if (value instanceof Byte || value instanceof Short || value instanceof Integer || value instanceof Long) {
      return BigInteger.valueOf(((Number) value).longValue());
    } else if (value instanceof BigDecimal decimal) {
      return decimal.toBigIntegerExact();
    } else if (value instanceof Float f) {
      return canonicalDouble(f.doubleValue());
    } else if (value instanceof Double d) {
      return canonicalDouble(d);
    } else if (value instanceof LocalDate date) {
      return BigInteger.valueOf(date.toEpochDay());
    } else if (value instanceof java.sql.Date date) {
      return BigInteger.valueOf(date.toLocalDate().toEpochDay());
    } else if (value instanceof LocalDateTime time) {
      long seconds = time.toEpochSecond(ZoneOffset.UTC);
      return BigInteger.valueOf(seconds).multiply(BigInteger.valueOf(1_000_000))
          .add(BigInteger.valueOf(time.getNano() / 1000));
    } else if (value instanceof Duration duration) {
      return BigInteger.valueOf(duration.getSeconds()).multiply(BigInteger.valueOf(1_000_000))
          .add(BigInteger.valueOf(duration.getNano() / 1000));
    } else if (value instanceof Period period) {
      return BigInteger.valueOf(period.toTotalMonths());
    } else if (value instanceof String || value instanceof Boolean) {
      return value;
    }
    throw new IllegalArgumentException("no canonical form for " + value.getClass() + ": " + value);
  }

  private static Object canonicalDouble(double d) {
    if (Double.isNaN(d)) {
      return "nan";
    } else if (Double.isInfinite(d)) {
      return d > 0 ? "inf" : "-inf";
    }
    return d;
  }

  /** Parses JSON that Python's {@code emit} printed, into the canonical form. */
  public static Object parseJson(String json) {
    try {
      return normalize(JSON.readValue(json, Object.class));
    } catch (IOException e) {
      throw new UncheckedIOException("not JSON: " + json, e);
    }
  }

  /** Parses a JSON object that Python's {@code emit} printed (NumPy's values by name), into the canonical form. */
  @SuppressWarnings("unchecked")
  public static Map<String, Object> parseJsonObject(String json) {
    if (parseJson(json) instanceof Map<?, ?> object) {
      return (Map<String, Object>) object;
    }
    throw new IllegalArgumentException("not a JSON object: " + json);
  }

  private static Object normalize(Object value) {
    if (value instanceof Integer || value instanceof Long) {
      return BigInteger.valueOf(((Number) value).longValue());
    } else if (value instanceof List<?> list) {
      List<Object> result = new ArrayList<>();
      for (Object element : list) {
        result.add(normalize(element));
      }
      return result;
    } else if (value instanceof Map<?, ?> map) {
      Map<String, Object> result = new LinkedHashMap<>();
      map.forEach((k, v) -> result.put((String) k, normalize(v)));
      return result;
    }
    return value;
  }
}
