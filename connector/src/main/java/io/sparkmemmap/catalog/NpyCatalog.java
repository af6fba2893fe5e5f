package io.sparkmemmap.catalog;

import io.sparkmemmap.ArrayFormat;
import io.sparkmemmap.read.FileListing;
import io.sparkmemmap.write.NpyWriteBuilder;
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
 * <p>The data sources register it on first use under their own names ({@link #catalogName}); setting
 * {@code spark.sql.catalog.npy=io.sparkmemmap.catalog.NpyCatalog} makes SQL work before that. Options for the
 * tables of a catalog (a memmap's {@code dtype}) can be set as {@code spark.sql.catalog.memmap.dtype}.
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

  private static final Set<String> DATAFRAME_WRITERS = Set.of("org.apache.spark.sql.classic.DataFrameWriter",
      "org.apache.spark.sql.classic.DataFrameWriterV2");

  private String name;
  private ArrayFormat format;
  private Map<String, String> defaults;

  /**
   * The name of the catalog serving {@code format}, registered in the active session if it is not yet: the
   * format's own name, unless the session uses that name for another catalog.
   */
  public static String catalogName(ArrayFormat format) {
    SparkSession spark = SparkSession.active();
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
    this.format = formatName.equals(ArrayFormat.MEMMAP.shortName()) ? ArrayFormat.MEMMAP : ArrayFormat.NPY;
    this.defaults = new HashMap<>(options.asCaseSensitiveMap());
    this.defaults.remove(FORMAT_OPTION);
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
   * The table at a path. A read gets its headers read now, so that a bad path fails at {@code load()} as with other
   * sources. A write never reads its target's schema: appending or overwriting works on a path that holds nothing
   * yet, a foreign directory, or a memmap file whose read options the write does not have.
   */
  @Override
  public Table loadTable(Identifier ident) throws NoSuchTableException {
    return isDataFrameWrite() ? writeTarget(ident) : readTable(ident);
  }

  /** SQL writes ({@code INSERT INTO npy.`/path`}) load their target with the privileges they need. */
  @Override
  public Table loadTable(Identifier ident, Set<TableWritePrivilege> writePrivileges) throws NoSuchTableException {
    return writePrivileges.isEmpty() ? readTable(ident) : writeTarget(ident);
  }

  private Table readTable(Identifier ident) throws NoSuchTableException {
    pathOf(ident);
    NpyTable table = new NpyTable(format, null, tableOptions(ident));
    table.schema();
    return table;
  }

  private Table writeTarget(Identifier ident) throws NoSuchTableException {
    return new PathTargetTable(format, pathOf(ident), tableOptions(ident), new StructType(), WriteMode.APPEND);
  }

  /**
   * Whether {@code DataFrameWriter.save} (in modes append and overwrite) is loading the table: Spark 4.2 calls the
   * plain {@link #loadTable(Identifier)} from there as from a read, and only the caller tells a write, which must
   * not depend on what its target holds, from a read, which must fail early on a bad path.
   */
  private static boolean isDataFrameWrite() {
    return StackWalker.getInstance().walk(frames -> frames.limit(64)
        .anyMatch(frame -> DATAFRAME_WRITERS.contains(frame.getClassName())));
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
      return fs.exists(path);
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
    NpyWriteBuilder.createEmpty(format, ident.name(), info.schema(), options);
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
      throw new IllegalArgumentException(format.shortName() + " output cannot be partitioned: NumPy arrays have one "
          + "row order, so write one array per partition value instead");
    }
    String provider = info.properties().get(PROVIDER_PROPERTY);
    if (provider != null && !provider.equalsIgnoreCase(format.shortName())) {
      throw new IllegalArgumentException("catalog " + name + " holds " + format.shortName() + " tables, not "
          + provider);
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
    throw new UnsupportedOperationException(name + " tables are the arrays at their paths, with no properties to "
        + "alter; rewrite the data instead");
  }

  /** DROP TABLE deletes the files at the path. */
  @Override
  public boolean dropTable(Identifier ident) {
    try {
      Path path = new Path(pathOf(ident));
      FileSystem fs = path.getFileSystem(hadoopConf());
      return fs.exists(path) && fs.delete(path, true);
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

  private String pathOf(Identifier ident) throws NoSuchTableException {
    if (ident.namespace().length > 0 || ident.name().isBlank()) {
      throw new NoSuchTableException(ident);
    }
    return ident.name();
  }

  /**
   * The options a table at {@code ident} is read and written with: the catalog's (from its configuration, read
   * live so that {@code SET spark.sql.catalog.memmap.dtype=...} applies), then those of the call that named it.
   */
  private Map<String, String> tableOptions(Identifier ident) {
    Map<String, String> options = new HashMap<>(defaults);
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
