package io.sparkmemmap.read;

import io.sparkmemmap.format.DType;
import io.sparkmemmap.format.NpyFormatException;
import io.sparkmemmap.format.NumpyDescr;
import io.sparkmemmap.read.ReadOptions.Layout;
import java.util.Locale;
import org.apache.spark.network.util.JavaUtils;
import org.apache.spark.sql.util.CaseInsensitiveStringMap;

/**
 * The options of one read or write, parsed with the path they were given for in hand, so that a refusal names the
 * path as the user gave it (file, directory or glob), then the option and its value:
 * {@code /data/x.dat: option 'dtype' is required by format memmap ...}. A job that reads many inputs says which one
 * was misconfigured. The rules of an option shared by reads and writes ({@code dtype}, {@code order},
 * {@code layout}) are the same on both sides.
 */
public final class PathOptions {
  private final String path;
  private final CaseInsensitiveStringMap options;

  /**
   * @param path the path, paths or glob the options were given for, as the user wrote it
   */
  public PathOptions(String path, CaseInsensitiveStringMap options) {
    this.path = path;
    this.options = options;
  }

  /** {@code message} about {@code path}, as every error of the connector that concerns a path begins. */
  public static String about(String path, String message) {
    return NpyFormatException.about(path, message);
  }

  /** {@code problem} with option {@code key}, as an error naming the path. */
  public IllegalArgumentException refused(String key, String problem) {
    return refused(key, problem, null);
  }

  private IllegalArgumentException refused(String key, String problem, Throwable cause) {
    return new IllegalArgumentException(about(path, "option '" + key + "' " + problem), cause);
  }

  /** The option's value as given, or {@code null}. */
  public String get(String key) {
    return options.get(key);
  }

  public boolean has(String key) {
    return options.containsKey(key);
  }

  /** A NumPy dtype string or structured descr, or {@code null} when the option is not set. */
  public DType dtype(String key) {
    String text = options.get(key);
    if (text == null) {
      return null;
    }
    try {
      return NumpyDescr.parse(text);
    } catch (IllegalArgumentException e) {
      throw refused(key, "is refused: " + e.getMessage(), e);
    }
  }

  /** {@code 1000,16}, {@code (1000, 16)}, {@code (5,)}, {@code ()}; {@code -1} only on axis 0. */
  long[] shape(String key) {
    String text = options.get(key);
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
      try {
        dims[i] = Long.parseLong(parts[i].strip());
      } catch (NumberFormatException e) {
        throw refused(key, "must be integers separated by commas, like '1000,16' or '-1,16', got '" + text + "'");
      }
      if (dims[i] < -1 || (dims[i] == -1 && i > 0)) {
        throw refused(key, "allows -1 (inferred) only on axis 0 and no other negative size, got '" + text + "'");
      }
    }
    return dims;
  }

  /** {@code C} (false, the default) or {@code F} (true: Fortran order). */
  public boolean fortranOrder(String key) {
    String text = options.get(key);
    if (text == null) {
      return false;
    }
    switch (text.strip().toUpperCase(Locale.ROOT)) {
      case "C":
        return false;
      case "F":
        return true;
      default:
        throw refused(key, "must be C or F, got '" + text + "'");
    }
  }

  public Layout layout(String key) {
    String text = options.get(key);
    if (text == null) {
      return Layout.AUTO;
    }
    try {
      return Layout.valueOf(text.strip().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw refused(key, "must be auto, columns or flat, got '" + text + "'", e);
    }
  }

  /** A byte count such as {@code 134217728} or {@code 128m}. */
  long bytes(String key) {
    String text = options.get(key);
    long bytes;
    try {
      bytes = JavaUtils.byteStringAsBytes(text.strip());
    } catch (RuntimeException e) {
      throw refused(key, "must be a byte count such as 134217728 or 128m, got '" + text + "'", e);
    }
    if (bytes <= 0) {
      throw refused(key, "must be positive, got '" + text + "'");
    }
    return bytes;
  }

  long nonNegativeLong(String key, long defaultValue) {
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
      // refused below, as a negative number is
    }
    throw refused(key, "must be a non-negative integer, got '" + text + "'");
  }

  /** A positive integer, or {@code defaultValue} when the option is not set. */
  long positiveLong(String key, long defaultValue) {
    return positive(key, defaultValue, Long.MAX_VALUE);
  }

  /** One of {@code allowed} (any case), in lower case; {@code allowed[0]} when the option is not set. */
  String oneOf(String key, String... allowed) {
    String text = options.get(key);
    if (text == null) {
      return allowed[0];
    }
    String value = text.strip().toLowerCase(Locale.ROOT);
    for (String candidate : allowed) {
      if (candidate.equals(value)) {
        return value;
      }
    }
    throw refused(key, "must be " + String.join(" or ", allowed) + ", got '" + text + "'");
  }

  public int positiveInt(String key, int defaultValue) {
    return (int) positive(key, defaultValue, Integer.MAX_VALUE);
  }

  private long positive(String key, long defaultValue, long max) {
    String text = options.get(key);
    if (text == null) {
      return defaultValue;
    }
    long value;
    try {
      value = Long.parseLong(text.strip());
    } catch (NumberFormatException e) {
      value = 0; // refused below, as a non-positive number is
    }
    if (value > max) {
      throw refused(key, "must be a positive integer no larger than " + max + ", got '" + text + "'");
    }
    if (value <= 0) {
      throw refused(key, "must be a positive integer, got '" + text + "'");
    }
    return value;
  }

  /** {@code true} or {@code false}; {@code defaultValue} when the option is not set. */
  public boolean bool(String key, boolean defaultValue) {
    String text = options.get(key);
    if (text == null) {
      return defaultValue;
    }
    switch (text.strip().toLowerCase(Locale.ROOT)) {
      case "true":
        return true;
      case "false":
        return false;
      default:
        throw refused(key, "must be true or false, got '" + text + "'");
    }
  }
}
