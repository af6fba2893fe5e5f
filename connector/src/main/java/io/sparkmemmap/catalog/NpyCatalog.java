package io.sparkmemmap.catalog;

import io.sparkmemmap.ArrayFormat;
import io.sparkmemmap.read.FileListing;
import io.sparkmemmap.read.PathOptions;
import io.sparkmemmap.write.WriteBuilders;
import io.sparkmemmap.write.WriteMode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.analysis.NoSuchTableException;
import org.apache.spark.sql.catalyst.analysis.TableAlreadyExistsException;
import org.apache.spark.sql.connector.catalog.Identifier;
import org.apache.spark.sql.connector.catalog.StagedTable;
import org.apache.spark.sql.connector.catalog.StagingTableCatalog;
import org.apache.spark.sql.connector.catalog.Table;
import org.apache.spark.sql.connector.catalog.TableCatalog;
import org.apache.spark.sql.connector.catalog.TableChange;
import org.apache.spark.sql.connector.catalog.TableInfo;
import org.apache.spark.sql.connector.catalog.TableWritePrivilege;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.sql.util.CaseInsensitiveStringMap;

/**
 * A catalog whose tables are paths: {@code npy.`/data/x.npy`}. It is what gives the {@code npy} and {@code memmap}
 * sources Spark's file-source save modes (a plain {@code TableProvider} has only append and overwrite), and what
 * answers SQL on files: {@code SELECT * FROM npy.`/path`}, {@code INSERT INTO npy.`/path` ...}.
 *
 * <p>Every session registers it under the formats' own names ({@link #catalogName}) as it starts analyzing queries
 * ({@link NpySessionExtensions}, which Spark finds on the classpath), so SQL on paths needs no configuration; the
 * data sources register it too, on first use. Options for the tables of a catalog (a memmap's {@code dtype}) can
 * be set as {@code spark.sql.catalog.memmap.dtype}.
 *
 * <p>A table exists when its path does. Creating one (CREATE TABLE AS SELECT, which {@code save()} runs in modes
 * errorifexists and ignore) stages nothing: the write publishes atomically at job commit and refuses to replace
 * what appeared meanwhile. Dropping one deletes the path.
 */
public class NpyCatalog implements StagingTableCatalog {
  private static final String CATALOG_PREFIX = "spark.sql.catalog.";
  /** Catalog option naming the format of its tables when the catalog's name does not. */
  static final String FORMAT_OPTION = "format";
  private static final String PROVIDER_PROPERTY = "provider";

  private String name;
  private ArrayFormat format;

  /**
   * The name of the catalog serving {@code format}, registered in the active session if it is not yet: the
   * format's own name, unless the session uses that name for another catalog.
   */
  public static String catalogName(ArrayFormat format) {
    return catalogName(SparkSession.active(), format);
  }

  /** The name of the catalog serving {@code format} in {@code spark}, registered there if it is not yet. */
  public static String catalogName(SparkSession spark, ArrayFormat format) {
    String preferred = format.shortName();
    String registered = spark.conf().get(CATALOG_PREFIX + preferred, null);
    if (registered == null || registered.equals(NpyCatalog.class.getName())) {
      if (registered == null) {
        spark.conf().set(CATALOG_PREFIX + preferred, NpyCatalog.class.getName());
      }
      return preferred;
    }
    String own = "spark_memmap_" + preferred;
    if (spark.conf().get(CATALOG_PREFIX + own, null) == null) {
      spark.conf().set(CATALOG_PREFIX + own + "." + FORMAT_OPTION, preferred);
      spark.conf().set(CATALOG_PREFIX + own, NpyCatalog.class.getName());
    }
    return own;
  }

  @Override
  public void initialize(String name, CaseInsensitiveStringMap options) {
    this.name = name;
    String formatName = options.getOrDefault(FORMAT_OPTION, name).toLowerCase(Locale.ROOT);
    this.format = ArrayFormat.ofShortName(formatName);
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public Identifier[] listTables(String[] namespace) {
    return new Identifier[0]; // paths are not enumerable
  }

  /**
   * The table at a path: its arrays, with the first file's header read now (the other files' are read when the first
   * scan is planned) so that a read of a bad path fails at {@code load()} as with other sources. A path that does not
   * read as arrays (nothing there yet, a foreign directory, a memmap file without its read options) is still a table
   * to write to: {@code DataFrameWriter.save} loads its target here in modes append and overwrite, exactly as a read
   * loads its input, and a write never needs its target's schema. A read of such a path fails with the reason it
   * could not be read ({@link UnreadablePathReads}).
   */
  @Override
  public Table loadTable(Identifier ident) throws NoSuchTableException {
    String path = pathOf(ident);
    Map<String, String> options = tableOptions(ident);
    NpyTable arrays = new NpyTable(format, null, options);
    try {
      arrays.schema();
      return arrays;
    } catch (RuntimeException unreadable) {
      return PathTargetTable.unreadable(format, path, options, unreadable);
    }
  }

  /** SQL writes ({@code INSERT INTO npy.`/path`}) load their target with the privileges they need. */
  @Override
  public Table loadTable(Identifier ident, Set<TableWritePrivilege> writePrivileges) throws NoSuchTableException {
    if (writePrivileges.isEmpty()) {
      return loadTable(ident);
    }
    return new PathTargetTable(format, pathOf(ident), tableOptions(ident), new StructType(), WriteMode.APPEND);
  }

  @Override
  public boolean tableExists(Identifier ident) {
    try {
      Path path = new Path(pathOf(ident));
      FileSystem fs = path.getFileSystem(hadoopConf());
      if (FileListing.isGlob(path.toString())) {
        FileStatus[] matches = fs.globStatus(path);
        return matches != null && matches.length > 0;
      }
      for (Path file : filesAt(path)) {
        if (fs.exists(file)) {
          return true;
        }
      }
      return false;
    } catch (NoSuchTableException e) {
      return false;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot tell whether " + ident.name() + " exists: " + e.getMessage(), e);
    }
  }

  /** CREATE TABLE with columns and no data: an empty array of the columns' dtype at the path. */
  @Override
  public Table createTable(Identifier ident, TableInfo info) throws TableAlreadyExistsException {
    checkCreatable(ident, info);
    if (tableExists(ident)) {
      throw new TableAlreadyExistsException(ident);
    }
    Map<String, String> options = tableOptions(ident);
    options.putAll(info.properties());
    WriteBuilders.createEmpty(format, ident.name(), info.schema(), options);
    return loadTableQuietly(ident);
  }

  @Override
  public StagedTable stageCreate(Identifier ident, TableInfo info) throws TableAlreadyExistsException {
    checkCreatable(ident, info);
    if (tableExists(ident)) {
      throw new TableAlreadyExistsException(ident);
    }
    return staged(ident, info, WriteMode.CREATE);
  }

  @Override
  public StagedTable stageReplace(Identifier ident, TableInfo info) throws NoSuchTableException {
    checkCreatable(ident, info);
    if (!tableExists(ident)) {
      throw new NoSuchTableException(ident);
    }
    return staged(ident, info, WriteMode.OVERWRITE);
  }

  @Override
  public StagedTable stageCreateOrReplace(Identifier ident, TableInfo info) {
    checkCreatable(ident, info);
    return staged(ident, info, WriteMode.OVERWRITE);
  }

  private StagedTable staged(Identifier ident, TableInfo info, WriteMode mode) {
    return new PathTargetTable(format, ident.name(), tableOptions(ident), info.schema(), mode);
  }

  private void checkCreatable(Identifier ident, TableInfo info) {
    if (ident.namespace().length > 0) {
      throw new IllegalArgumentException(name + " tables are paths: write " + name + ".`/path/to/data`, not "
          + ident);
    }
    if (info.partitions().length > 0) {
      throw new IllegalArgumentException(PathOptions.about(ident.name(), format.shortName() + " output cannot be "
          + "partitioned: NumPy arrays have one row order, so write one array per partition value instead"));
    }
    String provider = info.properties().get(PROVIDER_PROPERTY);
    if (provider != null && !provider.equalsIgnoreCase(format.shortName())) {
      throw new IllegalArgumentException(PathOptions.about(ident.name(), "catalog " + name + " holds "
          + format.shortName() + " tables, not " + provider));
    }
  }

  private Table loadTableQuietly(Identifier ident) {
    try {
      return loadTable(ident);
    } catch (NoSuchTableException e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public Table alterTable(Identifier ident, TableChange... changes) {
    throw new UnsupportedOperationException(PathOptions.about(ident.name(), name + " tables are the arrays at "
        + "their paths, with no properties to alter; rewrite the data instead"));
  }

  /** DROP TABLE deletes the files at the path. */
  @Override
  public boolean dropTable(Identifier ident) {
    try {
      Path path = new Path(pathOf(ident));
      FileSystem fs = path.getFileSystem(hadoopConf());
      boolean deleted = false;
      for (Path file : filesAt(path)) {
        deleted |= fs.exists(file) && fs.delete(file, true);
      }
      return deleted;
    } catch (NoSuchTableException e) {
      return false;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot delete " + ident.name() + ": " + e.getMessage(), e);
    }
  }

  @Override
  public void renameTable(Identifier oldIdent, Identifier newIdent)
      throws NoSuchTableException, TableAlreadyExistsException {
    Path from = new Path(pathOf(oldIdent));
    Path to = new Path(pathOf(newIdent));
    try {
      FileSystem fs = from.getFileSystem(hadoopConf());
      if (!fs.exists(from)) {
        throw new NoSuchTableException(oldIdent);
      }
      if (fs.exists(to)) {
        throw new TableAlreadyExistsException(newIdent);
      }
      if (!fs.rename(from, to)) {
        throw new IOException("rename returned false");
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot rename " + from + " to " + to + ": " + e.getMessage(), e);
    }
  }

  /** What a table at {@code path} is made of: the path, or for Megatron the two files of the pair at the prefix. */
  private Path[] filesAt(Path path) {
    if (format == ArrayFormat.MEGATRON) {
      String name = path.getName().replaceFirst("\\.(bin|idx)$", "");
      return new Path[] {new Path(path.getParent(), name + ".bin"), new Path(path.getParent(), name + ".idx")};
    }
    return new Path[] {path};
  }

  private String pathOf(Identifier ident) throws NoSuchTableException {
    if (ident.namespace().length > 0 || ident.name().isBlank()) {
      throw new NoSuchTableException(ident);
    }
    return ident.name();
  }

  /**
   * The options a table at {@code ident} is read and written with: the catalog's, then those of the call that
   * named it. The catalog's are read from the session's configuration at each call, not kept from
   * {@link #initialize}, so that {@code SET spark.sql.catalog.memmap.dtype=...} and {@code RESET} apply to the
   * next query.
   */
  private Map<String, String> tableOptions(Identifier ident) {
    Map<String, String> options = new HashMap<>();
    String prefix = CATALOG_PREFIX + name + ".";
    scala.collection.Iterator<scala.Tuple2<String, String>> all = SparkSession.active().conf().getAll().iterator();
    while (all.hasNext()) {
      scala.Tuple2<String, String> entry = all.next();
      if (entry._1().startsWith(prefix) && !entry._1().equals(prefix + FORMAT_OPTION)) {
        options.put(entry._1().substring(prefix.length()), entry._2());
      }
    }
    if (ident instanceof PathIdentifier pathIdent) {
      options.putAll(pathIdent.options());
    } else {
      options.put("path", ident.name());
    }
    return options;
  }

  private static Configuration hadoopConf() {
    return SparkSession.active().sessionState().newHadoopConf();
  }

  @Override
  public String toString() {
    return "NpyCatalog[" + name + ", " + format.shortName() + "]";
  }
}
