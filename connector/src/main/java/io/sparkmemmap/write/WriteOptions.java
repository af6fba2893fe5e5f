package io.sparkmemmap.write;

import io.sparkmemmap.format.DType;
import io.sparkmemmap.format.NumpyDescr;
import java.io.Serializable;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.apache.spark.sql.util.CaseInsensitiveStringMap;

/**
 * The options of a write, as the SPEC names them. Unknown options are left alone: a DataFrame's read options
 * (such as {@code shape} or {@code offset}) often travel with it into the write.
 */
final class WriteOptions implements Serializable {
  private static final long serialVersionUID = 1L;

  static final String DTYPE = "dtype";
  static final String STRING_LENGTH = "stringLength";
  static final String NULL_VALUE = "nullValue";
  static final String SINGLE_FILE = "singleFile";
  static final String LAYOUT = "layout";
  static final String ORDER = "order";

  /** How the columns of a row become one NumPy element. */
  enum Layout {
    /** One column: its type; several: a structured type with one field per column. */
    AUTO,
    /** Scalar numeric columns side by side: a 2-D array {@code (rows, columns)}. */
    COLUMNS
  }

  private final String dtypeText;
  private final Integer stringLength;
  private final String nullValue;
  private final boolean singleFile;
  private final Layout layout;

  private WriteOptions(String dtypeText, Integer stringLength, String nullValue, boolean singleFile, Layout layout) {
    this.dtypeText = dtypeText;
    this.stringLength = stringLength;
    this.nullValue = nullValue;
    this.singleFile = singleFile;
    this.layout = layout;
  }

  static WriteOptions parse(Map<String, String> options) {
    CaseInsensitiveStringMap map = options instanceof CaseInsensitiveStringMap ci ? ci
        : new CaseInsensitiveStringMap(options);
    String dtype = map.get(DTYPE);
    if (dtype != null) {
      try {
        NumpyDescr.parse(dtype);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("option dtype '" + dtype + "' is not a NumPy dtype: " + e.getMessage(), e);
      }
    }
    Integer stringLength = null;
    String length = map.get(STRING_LENGTH);
    if (length != null) {
      try {
        stringLength = Integer.valueOf(length.strip());
      } catch (NumberFormatException e) {
        stringLength = -1;
      }
      if (stringLength < 1) {
        throw new IllegalArgumentException("option stringLength must be a positive number of characters, not '"
            + length + "'");
      }
    }
    String order = map.get(ORDER);
    if (order != null && !order.strip().equalsIgnoreCase("C")) {
      throw new IllegalArgumentException("option order '" + order + "': writes produce C-ordered (row-major) arrays "
          + "only, since rows arrive one at a time");
    }
    return new WriteOptions(dtype, stringLength, map.get(NULL_VALUE), parseBoolean(map, SINGLE_FILE),
        parseLayout(map.get(LAYOUT)));
  }

  private static boolean parseBoolean(CaseInsensitiveStringMap map, String key) {
    String value = map.get(key);
    if (value == null) {
      return false;
    }
    switch (value.strip().toLowerCase(Locale.ROOT)) {
      case "true":
        return true;
      case "false":
        return false;
      default:
        throw new IllegalArgumentException("option " + key + " must be true or false, not '" + value + "'");
    }
  }

  private static Layout parseLayout(String value) {
    if (value == null) {
      return Layout.AUTO;
    }
    switch (value.strip().toLowerCase(Locale.ROOT)) {
      case "auto":
        return Layout.AUTO;
      case "columns":
        return Layout.COLUMNS;
      case "flat":
        throw new IllegalArgumentException("option layout 'flat' describes reading only: a write needs rows, so "
            + "use 'auto' or 'columns'");
      default:
        throw new IllegalArgumentException("option layout must be auto or columns, not '" + value + "'");
    }
  }

  /** The {@code dtype} option: the type every row is cast to. */
  Optional<DType> dtype() {
    return Optional.ofNullable(dtypeText).map(NumpyDescr::parse);
  }

  Optional<String> dtypeText() {
    return Optional.ofNullable(dtypeText);
  }

  Optional<Integer> stringLength() {
    return Optional.ofNullable(stringLength);
  }

  Optional<String> nullValue() {
    return Optional.ofNullable(nullValue);
  }

  boolean singleFile() {
    return singleFile;
  }

  Layout layout() {
    return layout;
  }
}
