package io.sparkmemmap.read;

import io.sparkmemmap.ArrayFormat;
import io.sparkmemmap.format.DType;
import io.sparkmemmap.format.NpyFormatException;
import io.sparkmemmap.format.NpyHeader;
import io.sparkmemmap.format.NpzDirectory;
import io.sparkmemmap.format.Shape;
import io.sparkmemmap.read.FileListing.Listed;
import io.sparkmemmap.read.ReadOptions.Layout;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.io.UncheckedIOException;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.BlockLocation;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.util.SerializableConfiguration;
import org.apache.spark.sql.connector.catalog.MetadataColumn;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * The input of a read, resolved on the driver: the files in order with their header facts, the element type, order
 * and trailing shape they share, and the columns they read as. Reads headers only, never data: the first file's
 * when the input is resolved (at {@code load()}), the others' when the first scan over it is planned.
 */
public final class NpyDataset implements ArrayInput {
  private static final byte[] ZIP_MAGIC = {'P', 'K'};
  /**
   * The bytes read at the start of a file for its header, in one request: numpy's headers are a few hundred bytes
   * (a longer one is read on from there); also the first bytes of a zip archive.
   */
  private static final int HEADER_PREFIX_BYTES = 4096;
  private static final int LOCAL_HEADER_READ_THREADS = 16;
  /** On a remote file system a header costs a round trip, not disk time: more of them are awaited at once. */
  static final int REMOTE_HEADER_READ_THREADS = 32;

  private final ReadOptions options;
  private final Configuration conf;
  private final List<Listed> listed;
  private final Described first;
  private final boolean growing;
  /**
   * The files with their header facts, read at the first scan planned, not at {@code load()} (the first file's
   * alone gives the schema), as Spark's Parquet source reads one footer at {@code load()}: on an object store a
   * header costs a request, and a DataFrame whose schema alone is asked for, or that is never acted on, pays one.
   * Read once per input, however many queries plan over it.
   */
  private List<ArrayFile> files;
  private final DType dtype;
  private final RowLayout layout;
  private final List<ArraySchema.DataColumn> columns;
  private final StructType schema;
  private final String arrayKind;
  private final ConfBroadcast broadcastConf;

  /**
   * What a file's header (or the memmap options) says, before the files are checked against each other; the tasks
   * of a {@link HeaderReadJob} send it back to the driver.
   */
  record Described(FileStatus status, String entry, long dataOffset, boolean deflated, DType dtype, Shape shape,
      boolean fortran, BlockLocation[] blocks) implements Serializable {
    String path() {
      return status.getPath().toString();
    }

    String describe() {
      return entry == null ? path() : path() + ", entry '" + entry + "'";
    }

    String summary() {
      return "dtype " + ArraySchema.descr(dtype) + ", shape " + shape + ", " + (fortran ? "Fortran" : "C") + " order";
    }
  }

  private NpyDataset(ReadOptions options, Configuration conf, List<Listed> listed, Described first, boolean growing,
      DType dtype, RowLayout layout, List<ArraySchema.DataColumn> columns, String arrayKind) throws IOException {
    this.options = options;
    this.arrayKind = arrayKind;
    this.conf = conf;
    this.broadcastConf = new ConfBroadcast(conf);
    this.listed = List.copyOf(listed);
    this.first = first;
    this.growing = growing;
    this.files = listed.size() == 1 ? List.of(toArrayFile(first, options.layout())) : null;
    this.dtype = dtype;
    this.layout = layout;
    this.columns = columns;
    this.schema = new StructType(columns.stream().map(ArraySchema.DataColumn::field).toArray(StructField[]::new));
  }

  /**
   * Lists the files of the read and reads the first one's header, which gives the schema; the others' are read
   * when the first scan is planned ({@link #files()}).
   *
   * @throws IOException when a path does not exist or the first file is not what the format expects
   */
  public static NpyDataset resolve(ReadOptions options, Configuration conf) throws IOException {
    return of(FileListing.list(options.paths(), fileSuffix(options), conf), options, conf, false);
  }

  /** The suffix of the files read from directories: {@code .npz} when an archive's entry is chosen. */
  static String fileSuffix(ReadOptions options) {
    return options.format() == ArrayFormat.NPY && options.array() != null
        ? ".npz"
        : options.format().fileSuffix();
  }

  /**
   * The listed files as one input, the first one's header read. A stream describes the files it tails this way at
   * every look: with {@code growing}, a memmap file's bytes past its last whole row are a row still being written,
   * not yet visible, rather than an error.
   */
  static NpyDataset of(List<Listed> listed, ReadOptions options, Configuration conf, boolean growing)
      throws IOException {
    Layout layoutOption = options.layout();
    Described first = describe(listed.get(0), options, conf, growing);
    checkReadable(first, layoutOption);
    int[] rowShape;
    RowLayout layout;
    List<ArraySchema.DataColumn> columns;
    try {
      rowShape = layoutOption == Layout.FLAT ? new int[0] : ArraySchema.intDims(first.shape().trailing());
      layout = new RowLayout(layoutOption != Layout.FLAT && first.fortran(), first.dtype().itemSize(), rowShape);
      columns = ArraySchema.columns(first.dtype(), rowShape, layoutOption, options.bytesAsString(),
          options.datetimeAsLong());
    } catch (IllegalArgumentException e) {
      // every file must agree with the first, so the first stands for all of them
      throw new NpyFormatException(first.describe(), e.getMessage(), e);
    }
    String kind = "dtype " + ArraySchema.descr(first.dtype()) + (layoutOption == Layout.FLAT ? ", read flat"
        : ", " + (layout.fortran() ? "Fortran" : "C") + " order, rows of shape " + first.shape().trailing());
    return new NpyDataset(options, conf, listed, first, growing, first.dtype(), layout, columns, kind);
  }

  /** What a file must be to be read at all, whatever the other files are. */
  private static void checkReadable(Described d, Layout layoutOption) throws NpyFormatException {
    if (d.dtype().containsObject()) {
      throw new NpyFormatException(d.describe(), "holds an object array (dtype " + ArraySchema.descr(d.dtype())
          + "): its bytes are Python pointers, not data; save it with a fixed dtype");
    }
    if (layoutOption == Layout.COLUMNS && d.shape().rank() != 2) {
      throw new NpyFormatException(d.describe(), "option layout=columns needs a 2-D array, but it has shape "
          + d.shape());
    }
  }

  /**
   * The headers of the files after the first, read and checked against it: the first failure in read order, a
   * file that cannot be read or one that disagrees with the first, names its file.
   */
  private List<ArrayFile> describeFiles() throws IOException {
    Layout layoutOption = options.layout();
    List<Described> others = describeAll(listed.subList(1, listed.size()), options, conf, growing);
    List<ArrayFile> result = new ArrayList<>(List.of(toArrayFile(first, layoutOption)));
    for (Described d : others) {
      checkReadable(d, layoutOption);
      boolean agrees = d.dtype().equals(first.dtype())
          && (layoutOption == Layout.FLAT
              || (d.shape().rank() == first.shape().rank()
                  && d.shape().trailing().equals(first.shape().trailing())
                  && effectiveFortran(d) == effectiveFortran(first)));
      if (!agrees) {
        throw new NpyFormatException(d.describe(), "does not match the other files of the read: it has "
            + d.summary() + " but " + first.describe() + " has " + first.summary() + "; all files must agree on "
            + "dtype, order and trailing shape to be read as one array");
      }
      result.add(toArrayFile(d, layoutOption));
    }
    return List.copyOf(result);
  }

  /**
   * The element type, order and trailing shape the files share, as a sentence: what a stream's offsets record, so
   * that a file replaced by another kind of array is noticed.
   */
  String arrayKind() {
    return arrayKind;
  }

  /** The columns the files read as, per the SPEC's schema rules. */
  @Override
  public StructType schema() {
    return schema;
  }

  /** A scan builder over this input; {@code tableSchema} is the schema the table reports, maybe a user's. */
  @Override
  public NpyScanBuilder newScanBuilder(StructType tableSchema, ReadOptions scanOptions) {
    return new NpyScanBuilder(this, tableSchema, scanOptions);
  }

  @Override
  public MetadataColumn[] metadataColumns() {
    return MetadataColumns.all();
  }

  /** The files, dtype and layout, as scans describe their input in EXPLAIN. */
  String describe() {
    String firstFile = first.describe();
    return options.format().shortName() + " [" + (listed.size() == 1 ? firstFile : listed.size()
        + " arrays, first " + firstFile) + "] dtype=" + ArraySchema.descr(dtype) + " layout="
        + options.layout().name().toLowerCase(java.util.Locale.ROOT) + (layout.fortran() ? " order=F" : "");
  }

  /**
   * The files in read order with their header facts, the others' headers read on the first call.
   *
   * @throws UncheckedIOException when a file cannot be read or disagrees with the first, naming it
   */
  synchronized List<ArrayFile> files() {
    if (files == null) {
      try {
        files = describeFiles();
      } catch (IOException e) {
        throw new UncheckedIOException(e.getMessage(), e);
      }
    }
    return files;
  }

  DType dtype() {
    return dtype;
  }

  RowLayout layout() {
    return layout;
  }

  List<ArraySchema.DataColumn> columns() {
    return columns;
  }

  /** The data column of that name (an exact match first, then ignoring case), or {@code null}. */
  ArraySchema.DataColumn column(String name) {
    for (ArraySchema.DataColumn column : columns) {
      if (column.field().name().equals(name)) {
        return column;
      }
    }
    for (ArraySchema.DataColumn column : columns) {
      if (column.field().name().equalsIgnoreCase(name)) {
        return column;
      }
    }
    return null;
  }

  /** The Hadoop configuration the files were listed with. */
  Configuration conf() {
    return conf;
  }

  ReadOptions options() {
    return options;
  }

  /** The Hadoop configuration the files were listed with, broadcast for tasks ({@link ConfBroadcast}). */
  Broadcast<SerializableConfiguration> broadcastConf() {
    return broadcastConf.get();
  }

  /**
   * Reads the headers and block locations of the files, several at a time: a directory of part files on a remote
   * file system costs round trips per file. Past a threshold of remote files, a Spark job reads them on the
   * executors ({@link HeaderReadJob}). Either way a failure is the first file's in read order.
   */
  private static List<Described> describeAll(List<Listed> files, ReadOptions options, Configuration conf,
      boolean growing) throws IOException {
    if (files.isEmpty()) {
      return List.of();
    }
    if (files.size() == 1) {
      return List.of(describe(files.get(0), options, conf, growing));
    }
    boolean remote = files.stream().noneMatch(listed -> FileHandle.localPath(listed.path()) != null);
    List<Outcome> outcomes;
    if (options.format() != ArrayFormat.MEMMAP && remote && HeaderReadJob.applies(files.size(), options)) {
      outcomes = HeaderReadJob.run(files.stream().map(Listed::status).toList(), options.array(), conf);
    } else {
      outcomes = describeInParallel(files, remote ? REMOTE_HEADER_READ_THREADS : LOCAL_HEADER_READ_THREADS,
          listed -> describe(listed, options, conf, growing));
    }
    List<Described> described = new ArrayList<>();
    for (Outcome outcome : outcomes) {
      described.add(outcome.get());
    }
    return described;
  }

  /** A file's header facts, or why they could not be had. */
  record Outcome(Described described, Exception failure) implements Serializable {
    Described get() throws IOException {
      if (failure instanceof IOException io) {
        throw io;
      }
      if (failure instanceof RuntimeException runtime) {
        throw runtime;
      }
      return described;
    }
  }

  /** How one file is described; a checked failure is the file's own. */
  interface Describer<T> {
    Described describe(T file) throws IOException;
  }

  /**
   * Describes the files {@code threads} at a time, in their order, each failure kept as the file's outcome: on the
   * driver, and in each task of a {@link HeaderReadJob} for its group of files.
   */
  static <T> List<Outcome> describeInParallel(List<T> files, int threads, Describer<T> describer)
      throws IOException {
    return InParallel.map(files, threads, "npy-header-reader", file -> {
      try {
        return new Outcome(describer.describe(file), null);
      } catch (IOException | RuntimeException e) {
        return new Outcome(null, e);
      }
    });
  }

  private static Described describe(Listed listed, ReadOptions options, Configuration conf, boolean growing)
      throws IOException {
    return options.format() == ArrayFormat.MEMMAP
        ? describeMemmap(listed.status(), blocks(listed.fs(), listed.status()), options, growing)
        : describeNpy(listed.fs(), listed.status(), options.array(), conf);
  }

  /** Where the file's blocks are, for preferred locations. */
  private static BlockLocation[] blocks(FileSystem fs, FileStatus status) throws IOException {
    return fs.getFileBlockLocations(status, 0, status.getLen());
  }

  /** Fortran order changes where bytes are only when a row has more than one item. */
  private static boolean effectiveFortran(Described d) {
    return d.fortran() && d.shape().rank() >= 2 && d.shape().trailing().elementCount() > 1;
  }

  private static ArrayFile toArrayFile(Described d, Layout layout) throws IOException {
    Shape shape = d.shape();
    long rows = layout == Layout.FLAT ? shape.elementCount() : shape.rank() == 0 ? 1 : shape.dim(0);
    long dataLength = shape.byteCount(d.dtype().itemSize());
    FileStatus status = d.status();
    return new ArrayFile(d.path(), status.getPath().toUri().toString(), d.entry(), status.getLen(), d.dataOffset(),
        dataLength, d.deflated(), rows, shape.toString(), d.blocks(),
        FileHandle.localPath(d.path()) == null ? status : null);
  }

  private static Described describeMemmap(FileStatus status, BlockLocation[] blocks, ReadOptions options,
      boolean growing) throws NpyFormatException {
    String where = status.getPath().toString();
    DType dtype = options.memmapDType();
    long offset = options.memmapOffset();
    long size = status.getLen();
    if (offset > size) {
      throw new NpyFormatException(where, "option offset=" + offset + " lies beyond the end of the file ("
          + size + " bytes)");
    }
    long available = size - offset;
    long[] dims = options.memmapShape();
    if (dims == null) {
      dims = new long[] {-1};
    }
    long itemSize = dtype.itemSize();
    if (dims.length > 0 && dims[0] == -1) {
      long rowBytes = itemSize;
      try {
        for (int axis = 1; axis < dims.length; axis++) {
          rowBytes = Math.multiplyExact(rowBytes, dims[axis]);
        }
      } catch (ArithmeticException overflow) {
        throw new NpyFormatException(where, "option shape: a row of shape " + shapeText(dims) + " and dtype "
            + ArraySchema.descr(dtype) + " has more bytes than a long can count");
      }
      if (rowBytes == 0) {
        throw new NpyFormatException(where, "cannot infer axis 0 of shape " + shapeText(dims)
            + ": a row of dtype " + ArraySchema.descr(dtype) + " holds no bytes");
      }
      if (available % rowBytes != 0 && !growing) {
        throw new NpyFormatException(where, "the " + available + " bytes after offset " + offset
            + " are not a whole number of rows of " + rowBytes + " bytes (dtype " + ArraySchema.descr(dtype) + ", shape "
            + shapeText(dims) + "); check options dtype, shape and offset");
      }
      dims[0] = available / rowBytes;
    }
    Shape shape;
    try {
      shape = Shape.of(dims);
    } catch (IllegalArgumentException e) {
      throw new NpyFormatException(where, "option shape: " + e.getMessage(), e);
    }
    long needed = shape.byteCount(itemSize);
    if (needed > available) {
      throw new NpyFormatException(where, "shape " + shape + " of dtype " + ArraySchema.descr(dtype) + " needs " + needed
          + " bytes after offset " + offset + ", but the file has only " + available);
    }
    return new Described(status, null, offset, false, dtype, shape, options.memmapFortranOrder(), blocks);
  }

  /**
   * What the header of a {@code .npy} file, or of the chosen entry of an {@code .npz} archive, says: on the driver,
   * or in a task of a {@link HeaderReadJob}. One read of the file's first bytes holds the magic and a header of
   * usual size: one request on an object store, opened with the listed status so that S3A asks nothing else.
   *
   * @param array the {@code .npz} entry chosen by option {@code array}, or {@code null}
   */
  static Described describeNpy(FileSystem fs, FileStatus status, String array, Configuration conf)
      throws IOException {
    String path = status.getPath().toString();
    BlockLocation[] blocks = blocks(fs, status);
    try (FileHandle file = FileHandle.open(status, conf)) {
      byte[] prefix = new byte[(int) Math.min(file.size(), HEADER_PREFIX_BYTES)];
      file.readFully(0, prefix, 0, prefix.length);
      if (prefix.length >= 2 && prefix[0] == ZIP_MAGIC[0] && prefix[1] == ZIP_MAGIC[1]) {
        return describeNpzEntry(status, blocks, file, array);
      }
      if (array != null) {
        throw new NpyFormatException(path, "option array='" + array + "' names an entry of an "
            + ".npz archive, but this is not a zip file");
      }
      NpyHeader header;
      try (InputStream in = new SequenceInputStream(new ByteArrayInputStream(prefix),
          file.reader().openStream(prefix.length, file.size() - prefix.length))) {
        header = NpyHeader.read(in, path);
      }
      checkLength(path, header, file.size());
      return new Described(status, null, header.dataOffset(), false, header.dtype(), header.shape(),
          header.fortranOrder(), blocks);
    }
  }

  private static Described describeNpzEntry(FileStatus status, BlockLocation[] blocks, FileHandle file,
      String array) throws IOException {
    String path = status.getPath().toString();
    NpzDirectory archive = NpzDirectory.read(file.reader(), path);
    List<NpzDirectory.Entry> arrays = archive.entries().stream()
        .filter(e -> e.name().endsWith(".npy"))
        .collect(Collectors.toList());
    String names = arrays.stream().map(NpzDirectory.Entry::arrayName).collect(Collectors.joining(", "));
    NpzDirectory.Entry entry;
    if (array != null) {
      entry = archive.entry(array + ".npy").orElseThrow(() -> new NpyFormatException(path,
          "has no array '" + array + "' (option array); it holds: " + names));
    } else if (arrays.size() == 1) {
      entry = arrays.get(0);
    } else if (arrays.isEmpty()) {
      throw new NpyFormatException(path, "the archive holds no .npy entries");
    } else {
      throw new NpyFormatException(path, "the archive holds several arrays (" + names + "); choose one "
          + "with option array, e.g. .option(\"array\", \"" + arrays.get(0).arrayName() + "\")");
    }
    String where = archive.describe(entry);
    NpyHeader header;
    try (InputStream in = archive.openEntry(entry)) {
      header = NpyHeader.read(in, where);
    }
    checkLength(where, header, entry.uncompressedSize());
    if (entry.isStored()) {
      long start = archive.dataOffset(entry);
      return new Described(status, entry.name(), start + header.dataOffset(), false, header.dtype(),
          header.shape(), header.fortranOrder(), blocks);
    }
    return new Described(status, entry.name(), header.dataOffset(), true, header.dtype(), header.shape(),
        header.fortranOrder(), blocks);
  }

  /** Data shorter than the header says is an error at planning, not a surprise in a task. */
  private static void checkLength(String where, NpyHeader header, long available) throws NpyFormatException {
    long expected = header.dataLength();
    long actual = available - header.dataOffset();
    if (actual < expected) {
      throw new NpyFormatException(where, "the data is shorter than the header says: shape " + header.shape()
          + " of dtype " + ArraySchema.descr(header.dtype()) + " needs " + expected + " bytes after the " + header.dataOffset()
          + "-byte header, but there are only " + Math.max(0, actual));
    }
  }

  private static String shapeText(long[] dims) {
    return Arrays.stream(dims).mapToObj(Long::toString).collect(Collectors.joining(", ", "(",
        dims.length == 1 ? ",)" : ")"));
  }
}
