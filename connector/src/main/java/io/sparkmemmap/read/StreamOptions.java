package io.sparkmemmap.read;

import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.connector.read.streaming.ReadLimit;

/**
 * The options of a streaming read, parsed and checked when the stream starts; an invalid value is refused naming
 * the path, the option and the value, as a batch read's options are ({@link PathOptions}).
 */
final class StreamOptions {
  static final String MAX_ROWS_PER_TRIGGER = "maxRowsPerTrigger";
  static final String MAX_FILES_PER_TRIGGER = "maxFilesPerTrigger";
  static final String MAX_BYTES_PER_TRIGGER = "maxBytesPerTrigger";
  static final String STARTING_OFFSETS = "startingOffsets";
  static final String ON_CHANGED_FILE = "onChangedFile";

  /** No limit. */
  static final long UNLIMITED = Long.MAX_VALUE;

  private final long maxRows;
  private final long maxFiles;
  private final long maxBytes;
  private final boolean startAtLatest;
  private final boolean skipChangedFiles;

  private StreamOptions(PathOptions given) {
    this.maxRows = given.positiveLong(MAX_ROWS_PER_TRIGGER, UNLIMITED);
    this.maxFiles = given.positiveInt(MAX_FILES_PER_TRIGGER, Integer.MAX_VALUE);
    this.maxBytes = given.has(MAX_BYTES_PER_TRIGGER) ? given.bytes(MAX_BYTES_PER_TRIGGER) : UNLIMITED;
    this.startAtLatest = "latest".equals(given.oneOf(STARTING_OFFSETS, "earliest", "latest"));
    this.skipChangedFiles = "skip".equals(given.oneOf(ON_CHANGED_FILE, "fail", "skip"));
  }

  static StreamOptions parse(ReadOptions options) {
    return new StreamOptions(options.given());
  }

  /** Whether the stream starts after the rows visible when it first starts, rather than before all rows. */
  boolean startAtLatest() {
    return startAtLatest;
  }

  /** Whether a file that shrank, was replaced or vanished is left out (and logged) rather than failing the query. */
  boolean skipChangedFiles() {
    return skipChangedFiles;
  }

  /** The limits given, as Spark passes them back to {@code latestOffset}; all available when none was given. */
  ReadLimit defaultReadLimit() {
    List<ReadLimit> limits = new ArrayList<>();
    if (maxRows != UNLIMITED) {
      limits.add(ReadLimit.maxRows(maxRows));
    }
    if (maxFiles != Integer.MAX_VALUE) {
      limits.add(ReadLimit.maxFiles((int) maxFiles));
    }
    if (maxBytes != UNLIMITED) {
      limits.add(ReadLimit.maxBytes(maxBytes));
    }
    if (limits.isEmpty()) {
      return ReadLimit.allAvailable();
    }
    return limits.size() == 1 ? limits.get(0) : ReadLimit.compositeLimit(limits.toArray(new ReadLimit[0]));
  }
}
