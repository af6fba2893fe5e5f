package io.sparkmemmap.read;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.sparkmemmap.ArrayFormat;
import io.sparkmemmap.format.DType;
import io.sparkmemmap.format.NumpyDescr;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.OptionalLong;
import org.apache.spark.network.util.JavaUtils;
import org.apache.spark.sql.util.CaseInsensitiveStringMap;

/**
 * The read options of the SPEC, parsed and checked once. An invalid value is an {@link IllegalArgumentException}
 * naming the option and the value.
 */
public final class ReadOptions {
  static final String PATH = "path";
  static final String PATHS = "paths";
  public static final String DTYPE = "dtype";
  static final String SHAPE = "shape";
  static final String OFFSET = "offset";
  public static final String ORDER = "order";
  static final String ARRAY = "array";
  public static final String LAYOUT = "layout";
  static final String MAX_PARTITION_BYTES = "maxPartitionBytes";
  static final String BATCH_SIZE = "batchSize";
  static final String BYTES_AS_STRING = "bytesAsString";
  static final String DATETIME_AS_LONG = "datetimeAsLong";
  static final String PUSH_DOWN_AGGREGATES = "pushDownAggregates";

  static final int DEFAULT_BATCH_SIZE = 4096;

  /** How rows and columns are made of the array; see the SPEC's {@code layout} option. */
  public enum Layout {
    AUTO, COLUMNS, FLAT
  }

  private final ArrayFormat format;
  private final List<String> paths;
  private final DType memmapDType;
  private final long[] memmapShape;
  private final long memmapOffset;
  private final boolean memmapFortranOrder;
  private final String array;
  private final Layout layout;
  private final OptionalLong maxPartitionBytes;
  private final int batchSize;
  private final boolean bytesAsString;
  private final boolean datetimeAsLong;
  private final boolean pushDownAggregates;

  private ReadOptions(ArrayFormat format, CaseInsensitiveStringMap options) {
    this.format = format;
    this.paths = parsePaths(options);
    if (format == ArrayFormat.MEMMAP) {
      String dtypeText = options.get(DTYPE);
      if (dtypeText == null || dtypeText.isBlank()) {
        throw new IllegalArgumentException("option '" + DTYPE + "' is required by format memmap: the NumPy dtype "
            + "of the file's elements, e.g. '<f4' or \"[('t', '<i8'), ('x', '<f4', (3,))]\"");
      }
      this.memmapDType = parseDType(dtypeText);
      this.memmapShape = options.containsKey(SHAPE) ? parseShape(options.get(SHAPE)) : null;
      this.memmapOffset = nonNegativeLong(options, OFFSET, 0);
      this.memmapFortranOrder = parseOrder(options.get(ORDER));
    } else {
      this.memmapDType = null;
      this.memmapShape = null;
      this.memmapOffset = 0;
      this.memmapFortranOrder = false;
    }
    String arrayName = options.get(ARRAY);
    this.array = arrayName == null || arrayName.isEmpty() ? null : stripNpySuffix(arrayName);
    this.layout = parseLayout(options.get(LAYOUT));
    this.maxPartitionBytes = options.containsKey(MAX_PARTITION_BYTES)
        ? OptionalLong.of(parseBytes(options.get(MAX_PARTITION_BYTES)))
        : OptionalLong.empty();
    this.batchSize = positiveInt(options, BATCH_SIZE, DEFAULT_BATCH_SIZE);
    this.bytesAsString = bool(options, BYTES_AS_STRING);
    this.datetimeAsLong = bool(options, DATETIME_AS_LONG);
    this.pushDownAggregates = !options.containsKey(PUSH_DOWN_AGGREGATES) || bool(options, PUSH_DOWN_AGGREGATES);
  }

  /** Parses and checks the options of a read in the given format. */
  public static ReadOptions parse(ArrayFormat format, CaseInsensitiveStringMap options) {
    return new ReadOptions(format, options);
  }

  ArrayFormat format() {
    return format;
  }

  /** The paths to read, as given: files, directories or globs. */
  public List<String> paths() {
    return paths;
  }

  /** The element type of a memmap file. */
  DType memmapDType() {
    return memmapDType;
  }

  /** The memmap shape, {@code -1} on axis 0 standing for "inferred"; {@code null} when no shape was given. */
  long[] memmapShape() {
    return memmapShape == null ? null : memmapShape.clone();
  }

  long memmapOffset() {
    return memmapOffset;
  }

  boolean memmapFortranOrder() {
    return memmapFortranOrder;
  }

  /** The {@code .npz} entry to read, without {@code .npy}; {@code null} for "the only one". */
  String array() {
    return array;
  }

  Layout layout() {
    return layout;
  }

  OptionalLong maxPartitionBytes() {
    return maxPartitionBytes;
  }

  int batchSize() {
    return batchSize;
  }

  boolean bytesAsString() {
    return bytesAsString;
  }

  boolean datetimeAsLong() {
    return datetimeAsLong;
  }

  /** Whether aggregates are computed in the scan (true unless turned off, to compare with Spark's own). */
  boolean pushDownAggregates() {
    return pushDownAggregates;
  }

  private static List<String> parsePaths(CaseInsensitiveStringMap options) {
    List<String> result = new ArrayList<>();
    String single = options.get(PATH);
    if (single != null && !single.isEmpty()) {
      result.add(single);
    }
    String several = options.get(PATHS);
    if (several != null && !several.isEmpty()) {
      try {
        for (String p : new ObjectMapper().readValue(several, String[].class)) {
          result.add(p);
        }
      } catch (IOException e) {
        throw new IllegalArgumentException("option '" + PATHS + "' is not a JSON array of strings: " + several, e);
      }
    }
    return List.copyOf(result);
  }

  /** The {@code dtype} option; an error names the option. */
  public static DType parseDType(String text) {
    try {
      return NumpyDescr.parse(text);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("option '" + DTYPE + "': " + e.getMessage(), e);
    }
  }

  /** {@code 1000,16}, {@code (1000, 16)}, {@code (5,)}, {@code ()}; {@code -1} only on axis 0. */
  static long[] parseShape(String text) {
    String body = text.strip();
    if (body.startsWith("(") && body.endsWith(")")) {
      body = body.substring(1, body.length() - 1).strip();
    }
    if (body.isEmpty()) {
      return new long[0];
    }
    String[] parts = body.split(",", -1);
    int count = parts.length;
    if (count > 1 && parts[count - 1].isBlank()) {
      count--; // the trailing comma of a Python 1-tuple
    }
    long[] dims = new long[count];
    for (int i = 0; i < count; i++) {
      String part = parts[i].strip();
      try {
        dims[i] = Long.parseLong(part);
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(
            "option '" + SHAPE + "' must be integers separated by commas, like '1000,16' or '-1,16', got '" + text
                + "'");
      }
      if (dims[i] < -1 || (dims[i] == -1 && i > 0)) {
        throw new IllegalArgumentException("option '" + SHAPE + "' allows -1 (inferred) only on axis 0 and no other "
            + "negative size, got '" + text + "'");
      }
    }
    return dims;
  }

  /** The {@code order} option: true for Fortran order. */
  public static boolean parseOrder(String text) {
    if (text == null) {
      return false;
    }
    switch (text.strip().toUpperCase(Locale.ROOT)) {
      case "C":
        return false;
      case "F":
        return true;
      default:
        throw new IllegalArgumentException("option '" + ORDER + "' must be C or F, got '" + text + "'");
    }
  }

  public static Layout parseLayout(String text) {
    if (text == null) {
      return Layout.AUTO;
    }
    try {
      return Layout.valueOf(text.strip().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "option '" + LAYOUT + "' must be auto, columns or flat, got '" + text + "'", e);
    }
  }

  private static long parseBytes(String text) {
    long bytes;
    try {
      bytes = JavaUtils.byteStringAsBytes(text.strip());
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("option '" + MAX_PARTITION_BYTES + "' must be a byte count such as "
          + "134217728 or 128m, got '" + text + "'", e);
    }
    if (bytes <= 0) {
      throw new IllegalArgumentException("option '" + MAX_PARTITION_BYTES + "' must be positive, got '" + text + "'");
    }
    return bytes;
  }

  private static long nonNegativeLong(CaseInsensitiveStringMap options, String key, long defaultValue) {
    String text = options.get(key);
    if (text == null) {
      return defaultValue;
    }
    try {
      long value = Long.parseLong(text.strip());
      if (value >= 0) {
        return value;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new IllegalArgumentException("option '" + key + "' must be a non-negative integer, got '" + text + "'");
  }

  public static int positiveInt(CaseInsensitiveStringMap options, String key, int defaultValue) {
    String text = options.get(key);
    if (text == null) {
      return defaultValue;
    }
    try {
      int value = Integer.parseInt(text.strip());
      if (value > 0) {
        return value;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new IllegalArgumentException("option '" + key + "' must be a positive integer, got '" + text + "'");
  }

  public static boolean bool(CaseInsensitiveStringMap options, String key) {
    String text = options.get(key);
    if (text == null) {
      return false;
    }
    switch (text.strip().toLowerCase(Locale.ROOT)) {
      case "true":
        return true;
      case "false":
        return false;
      default:
        throw new IllegalArgumentException("option '" + key + "' must be true or false, got '" + text + "'");
    }
  }

  private static String stripNpySuffix(String name) {
    return name.endsWith(".npy") ? name.substring(0, name.length() - 4) : name;
  }
}
