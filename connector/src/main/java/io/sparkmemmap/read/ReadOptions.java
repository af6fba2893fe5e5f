package io.sparkmemmap.read;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.sparkmemmap.ArrayFormat;
import io.sparkmemmap.format.DType;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import org.apache.spark.sql.util.CaseInsensitiveStringMap;

/**
 * The read options of the SPEC, parsed and checked once. An invalid value is an {@link IllegalArgumentException}
 * naming the path the options were given for, the option and the value ({@link PathOptions}).
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
  static final String HEADER_JOB_THRESHOLD = "headerJobThreshold";
  /** Format ragged: the index of the data file at the path. */
  static final String INDEX = "index";

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
  private final OptionalLong headerJobThreshold;
  /** The options as given, for a stream's own options ({@link StreamOptions}). */
  private final PathOptions given;
  private final String index;

  private ReadOptions(ArrayFormat format, CaseInsensitiveStringMap given) {
    this.format = format;
    this.paths = parsePaths(given);
    PathOptions options = new PathOptions(String.join(", ", paths), given);
    this.given = options;
    if (format == ArrayFormat.MEMMAP) {
      String dtypeText = options.get(DTYPE);
      if (dtypeText == null || dtypeText.isBlank()) {
        throw options.refused(DTYPE, "is required by format memmap: the NumPy dtype of the file's elements, e.g. "
            + "'<f4' or \"[('t', '<i8'), ('x', '<f4', (3,))]\"");
      }
      this.memmapDType = options.dtype(DTYPE);
      this.memmapShape = options.has(SHAPE) ? options.shape(SHAPE) : null;
      this.memmapOffset = options.nonNegativeLong(OFFSET, 0);
      this.memmapFortranOrder = options.fortranOrder(ORDER);
    } else if (format == ArrayFormat.RAGGED && options.has(DTYPE)) {
      // a raw data file, described as memmap describes one
      this.memmapDType = options.dtype(DTYPE);
      this.memmapShape = null;
      this.memmapOffset = options.nonNegativeLong(OFFSET, 0);
      this.memmapFortranOrder = false;
    } else {
      this.memmapDType = null;
      this.memmapShape = null;
      this.memmapOffset = 0;
      this.memmapFortranOrder = false;
    }
    String arrayName = options.get(ARRAY);
    this.array = arrayName == null || arrayName.isEmpty() ? null : stripNpySuffix(arrayName);
    this.layout = options.layout(LAYOUT);
    this.maxPartitionBytes = options.has(MAX_PARTITION_BYTES)
        ? OptionalLong.of(options.bytes(MAX_PARTITION_BYTES))
        : OptionalLong.empty();
    this.batchSize = options.positiveInt(BATCH_SIZE, DEFAULT_BATCH_SIZE);
    this.bytesAsString = options.bool(BYTES_AS_STRING, false);
    this.datetimeAsLong = options.bool(DATETIME_AS_LONG, false);
    this.pushDownAggregates = options.bool(PUSH_DOWN_AGGREGATES, true);
    this.headerJobThreshold = options.has(HEADER_JOB_THRESHOLD)
        ? OptionalLong.of(options.nonNegativeLong(HEADER_JOB_THRESHOLD, 0))
        : OptionalLong.empty();
    String indexPath = options.get(INDEX);
    this.index = indexPath == null || indexPath.isBlank() ? null : indexPath;
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

  /** The index file of a ragged read of a data file, or {@code null} for a directory holding both. */
  String index() {
    return index;
  }

  /** The element type of a memmap file, and of a raw ragged data file ({@code null} for a {@code .npy}). */
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

  /**
   * Past how many files on a remote file system their headers are read by a Spark job ({@link HeaderReadJob});
   * unset, Spark's {@code spark.sql.sources.parallelPartitionDiscovery.threshold} decides, as it does for listing.
   */
  OptionalLong headerJobThreshold() {
    return headerJobThreshold;
  }

  /** The options as given, with the paths they were given for. */
  PathOptions given() {
    return given;
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
    if (result.isEmpty()) {
      // every other refusal names the path: there is none to name
      throw new IllegalArgumentException("no path given: use load(path) or option 'path'");
    }
    return List.copyOf(result);
  }

  private static String stripNpySuffix(String name) {
    return name.endsWith(".npy") ? name.substring(0, name.length() - 4) : name;
  }
}
