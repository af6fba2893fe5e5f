package io.sparkmemmap.write;

import io.sparkmemmap.format.DType;
import io.sparkmemmap.format.NumpyDescr;
import io.sparkmemmap.read.PathOptions;
import io.sparkmemmap.read.ReadOptions;
import io.sparkmemmap.read.ReadOptions.Layout;
import java.io.Serializable;
import java.util.Map;
import java.util.Optional;
import org.apache.spark.sql.util.CaseInsensitiveStringMap;

/**
 * The options of a write, as the SPEC names them, parsed with the read options' rules where the two share one.
 * Read-only options (such as {@code shape} or {@code offset}) are left alone: a DataFrame's read options often
 * travel with it into the write.
 */
final class WriteOptions implements Serializable {
  private static final long serialVersionUID = 1L;

  static final String STRING_LENGTH = "stringLength";
  static final String NULL_VALUE = "nullValue";
  static final String SINGLE_FILE = "singleFile";

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

  /** The options of a write to {@code path} (as the user gave it), which every refusal names. */
  static WriteOptions parse(String path, Map<String, String> given) {
    PathOptions options = new PathOptions(path, new CaseInsensitiveStringMap(given));
    options.dtype(ReadOptions.DTYPE); // refused now, by path, rather than when the rows are planned
    Integer stringLength = options.has(STRING_LENGTH) ? options.positiveInt(STRING_LENGTH, 1) : null;
    if (options.fortranOrder(ReadOptions.ORDER)) {
      throw options.refused(ReadOptions.ORDER, "F: writes produce C-ordered (row-major) arrays only, since rows "
          + "arrive one at a time");
    }
    Layout layout = options.layout(ReadOptions.LAYOUT);
    if (layout == Layout.FLAT) {
      throw options.refused(ReadOptions.LAYOUT, "flat describes reading only: a write needs rows, so use auto or "
          + "columns");
    }
    return new WriteOptions(options.get(ReadOptions.DTYPE), stringLength, options.get(NULL_VALUE),
        options.bool(SINGLE_FILE, false), layout);
  }

  /** The {@code dtype} option: the type every row is cast to. */
  Optional<DType> dtype() {
    return Optional.ofNullable(dtypeText).map(NumpyDescr::parse);
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
