package io.sparkmemmap.catalog;

import java.util.Arrays;
import java.util.Map;
import java.util.Objects;
import org.apache.spark.sql.connector.catalog.Identifier;
import org.apache.spark.sql.util.CaseInsensitiveStringMap;

/**
 * A table named by its path, as {@code df.write.format("npy").save(path)} and {@code spark.read.load(path)} name
 * it, carrying the options of that call to {@link NpyCatalog#loadTable}: a memmap's dtype and shape, a write's
 * singleFile. The catalog sees only the name when Spark rebuilds an identifier from its parts (CREATE TABLE AS
 * SELECT); the write's options reach the write through Spark then.
 */
public final class PathIdentifier implements Identifier {
  private static final String[] NO_NAMESPACE = new String[0];
  private final String path;
  private final Map<String, String> options;

  private PathIdentifier(String path, Map<String, String> options) {
    this.path = path;
    this.options = Map.copyOf(options);
  }

  /** The identifier of the path (or paths) in data source options. */
  public static PathIdentifier of(CaseInsensitiveStringMap options) {
    String path = options.get("path");
    if (path == null) {
      path = options.get("paths");
    }
    if (path == null || path.isBlank()) {
      throw new IllegalArgumentException("no path given: use load(path) or save(path)");
    }
    return new PathIdentifier(path, options.asCaseSensitiveMap());
  }

  /** The options of the call that named the table, path included. */
  public Map<String, String> options() {
    return options;
  }

  @Override
  public String[] namespace() {
    return NO_NAMESPACE;
  }

  @Override
  public String name() {
    return path;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof PathIdentifier other && path.equals(other.path) && options.equals(other.options);
  }

  @Override
  public int hashCode() {
    return Objects.hash(path, options);
  }

  @Override
  public String toString() {
    return "`" + path + "`" + (options.size() > 1 ? " " + Arrays.toString(options.keySet().toArray()) : "");
  }
}
