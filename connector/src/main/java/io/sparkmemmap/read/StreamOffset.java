package io.sparkmemmap.read;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Collections;
import java.util.Map;
import java.util.NavigableMap;
import java.util.NavigableSet;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.spark.sql.connector.read.streaming.Offset;

/**
 * How far a stream has read: the rows of each file it has made visible, and the files it left out for good. In
 * JSON, canonical (files sorted by path, fields in a fixed order) so that equal offsets have equal text, and
 * versioned:
 *
 * <pre>{"version":1,"array":"dtype &lt;f4, C order, rows of shape (4,)",
 *  "files":[{"path":"file:/data/a.npy","rows":1000,"dataOffset":128,"checkedBytes":1024,"checksum":305419896,
 *    "lastRow":1199,"lastRowChecksum":2596996162}],
 *  "skipped":["file:/data/b.npy"]}</pre>
 *
 * Beside the rows, each file's mark holds what tells that the file is still the one those rows were read from: the
 * length of its header (where its data starts), and checksums of the first bytes of its data (up to
 * {@value #CHECKED_BYTES} of the rows counted) and of the last row it had. The kind of array (dtype, order,
 * trailing shape) is the same for all files of a stream and recorded once.
 */
final class StreamOffset extends Offset {
  static final int VERSION = 1;
  /** How much of the start of a file's data its mark checks: one small read per file that changed. */
  static final int CHECKED_BYTES = 1024;

  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * A file's visible rows, and what identifies its contents: where its data starts, a checksum of the data's first
   * {@code checkedBytes}, and of the first bytes of row {@code lastRow} (the last row visible when the mark was
   * taken, or -1), which tells a file rewritten from the same start (a simulation run again) from a grown one.
   */
  record FileMark(long rows, long dataOffset, int checkedBytes, long checksum, long lastRow, long lastRowChecksum) {
    /** This mark with fewer rows admitted: the same file, checked by the same bytes. */
    FileMark withRows(long admitted) {
      return new FileMark(admitted, dataOffset, checkedBytes, checksum, lastRow, lastRowChecksum);
    }
  }

  private final String arrayKind;
  private final NavigableMap<String, FileMark> files;
  private final NavigableSet<String> skipped;

  StreamOffset(String arrayKind, Map<String, FileMark> files, java.util.Set<String> skipped) {
    this.arrayKind = arrayKind;
    this.files = Collections.unmodifiableNavigableMap(new TreeMap<>(files));
    this.skipped = Collections.unmodifiableNavigableSet(new TreeSet<>(skipped));
  }

  /** Before any row: where a stream that starts at the earliest rows starts. */
  static StreamOffset empty(String arrayKind) {
    return new StreamOffset(arrayKind, Map.of(), java.util.Set.of());
  }

  /** The kind of array the files are, as {@link NpyDataset#arrayKind()} says. */
  String arrayKind() {
    return arrayKind;
  }

  /** The files with rows visible, by qualified path, in path order. */
  NavigableMap<String, FileMark> files() {
    return files;
  }

  /** The files left out for good, by qualified path. */
  NavigableSet<String> skipped() {
    return skipped;
  }

  /** The rows visible of a file: none for a file not yet seen. */
  long rows(String path) {
    FileMark mark = files.get(path);
    return mark == null ? 0 : mark.rows();
  }

  @Override
  public String json() {
    ObjectNode root = JSON.createObjectNode();
    root.put("version", VERSION);
    root.put("array", arrayKind);
    ArrayNode fileNodes = root.putArray("files");
    files.forEach((path, mark) -> {
      ObjectNode node = fileNodes.addObject();
      node.put("path", path);
      node.put("rows", mark.rows());
      node.put("dataOffset", mark.dataOffset());
      node.put("checkedBytes", mark.checkedBytes());
      node.put("checksum", mark.checksum());
      node.put("lastRow", mark.lastRow());
      node.put("lastRowChecksum", mark.lastRowChecksum());
    });
    ArrayNode skippedNodes = root.putArray("skipped");
    skipped.forEach(skippedNodes::add);
    try {
      return JSON.writeValueAsString(root);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * Reads an offset a stream wrote to its checkpoint.
   *
   * @throws IllegalArgumentException when the text is not such an offset or was written by a newer version
   */
  static StreamOffset fromJson(String json) {
    JsonNode root;
    try {
      root = JSON.readTree(json);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("not an offset of an npy stream: " + json, e);
    }
    int version = root.path("version").asInt(-1);
    if (version != VERSION) {
      throw new IllegalArgumentException("the checkpoint holds an npy stream offset of version " + version
          + ", but this connector reads version " + VERSION + " only (was the checkpoint written by another "
          + "version of the connector?): " + json);
    }
    if (!root.path("array").isTextual() || !root.path("files").isArray() || !root.path("skipped").isArray()) {
      throw new IllegalArgumentException("not an offset of an npy stream: " + json);
    }
    Map<String, FileMark> files = new TreeMap<>();
    for (JsonNode node : root.get("files")) {
      files.put(node.path("path").asText(), new FileMark(node.path("rows").asLong(),
          node.path("dataOffset").asLong(), node.path("checkedBytes").asInt(), node.path("checksum").asLong(),
          node.path("lastRow").asLong(-1), node.path("lastRowChecksum").asLong()));
    }
    java.util.Set<String> skipped = new TreeSet<>();
    root.get("skipped").forEach(node -> skipped.add(node.asText()));
    return new StreamOffset(root.get("array").asText(), files, skipped);
  }
}
