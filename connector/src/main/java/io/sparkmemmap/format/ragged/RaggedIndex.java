package io.sparkmemmap.format.ragged;

import io.sparkmemmap.format.DTypeKind;
import io.sparkmemmap.format.Endian;
import io.sparkmemmap.format.NpyHeader;
import io.sparkmemmap.format.NumpyDescr;
import io.sparkmemmap.format.PositionalReader;
import io.sparkmemmap.format.ScalarDType;
import io.sparkmemmap.format.Shape;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.LongBuffer;

/**
 * The index of a ragged array: a {@code .npy} of int64 that says where each row's elements lie in the flat data
 * array, in one of the two forms NumPy users keep:
 *
 * <ul>
 *   <li>{@link Form#PAIRS}: shape {@code (N, 2)}, row i = {@code data[index[i, 0] : index[i, 0] + index[i, 1]]}
 *       (the "indexed records" recipe: rows may overlap, leave gaps or come in any order);
 *   <li>{@link Form#OFFSETS}: shape {@code (N + 1,)}, row i = {@code data[offsets[i] : offsets[i + 1]]} (CSR, Arrow's
 *       list offsets): offsets never decrease.
 * </ul>
 *
 * <p>Like the Megatron index, this holds the header and where the entries lie, not the entries: {@link #read}
 * reads the header, {@link #slice} reads the entries of a range of rows (what one Spark task needs), and
 * {@link #validate} checks them all against the data in one pass of bounded chunks. The reader is passed to each
 * call, so that an instance can travel to executors, each with its own open file. Either byte order, and Fortran
 * order for the pairs, are read as NumPy reads them.
 */
public final class RaggedIndex implements java.io.Serializable {
  private static final long serialVersionUID = 1L;

  /** The name of the index in a ragged array's directory. */
  public static final String FILE_NAME = "index.npy";

  /** The dtype of an index as the connector writes it. */
  public static final ScalarDType DTYPE = ScalarDType.of(DTypeKind.INT, Endian.LITTLE, 8);
  /** Rows per read in {@link #validate}: 64 Ki rows are 1 MiB of pairs. */
  static final int CHUNK_ROWS = 1 << 16;

  /** How the index says where rows are. */
  public enum Form {
    /** {@code (N, 2)}: {@code [start, length]} per row. */
    PAIRS,
    /** {@code (N + 1,)}: row i from {@code offsets[i]} to {@code offsets[i + 1]}. */
    OFFSETS
  }

  /** The entries of rows {@code [first, first + lengths.length)}, in elements of the data. */
  public record Slice(long first, long[] starts, long[] lengths) {
    public int rows() {
      return lengths.length;
    }

    /** The sum of the lengths. */
    public long elements() {
      long sum = 0;
      for (long length : lengths) {
        sum += length;
      }
      return sum;
    }
  }

  private final String resource;
  private final Form form;
  private final long rows;
  private final long dataOffset;
  private final boolean bigEndian;
  /** Pairs in Fortran order: every start, then every length. */
  private final boolean columnMajor;

  private RaggedIndex(String resource, Form form, long rows, long dataOffset, boolean bigEndian,
      boolean columnMajor) {
    this.resource = resource;
    this.form = form;
    this.rows = rows;
    this.dataOffset = dataOffset;
    this.bigEndian = bigEndian;
    this.columnMajor = columnMajor;
  }

  /**
   * Reads the header of the index behind {@code reader} and checks it: int64, shape {@code (N, 2)} or
   * {@code (N + 1,)}, and a file that holds every entry. The entries are not read; see {@link #validate}.
   *
   * @param resource the file, for messages
   */
  public static RaggedIndex read(PositionalReader reader, String resource) throws IOException {
    long size = reader.size();
    NpyHeader header;
    try (InputStream in = reader.openStream(0, size)) {
      header = NpyHeader.read(in, resource);
    }
    if (!(header.dtype() instanceof ScalarDType scalar) || scalar.kind() != DTypeKind.INT
        || scalar.itemSize() != 8) {
      throw new RaggedFormatException(resource, "the index of a ragged array must be int64, but it has dtype "
          + NumpyDescr.toDescr(header.dtype()) + "; convert it with index.astype(np.int64)");
    }
    Shape shape = header.shape();
    Form form;
    long rows;
    if (shape.rank() == 2 && shape.dim(1) == 2) {
      form = Form.PAIRS;
      rows = shape.dim(0);
    } else if (shape.rank() == 1 && shape.dim(0) >= 1) {
      form = Form.OFFSETS;
      rows = shape.dim(0) - 1;
    } else if (shape.rank() == 1) {
      throw new RaggedFormatException(resource, "an index of offsets holds N + 1 entries for N rows, at least the "
          + "leading 0, but it is empty");
    } else {
      throw new RaggedFormatException(resource, "the index of a ragged array must have shape (N, 2), [start, length] "
          + "per row, or (N + 1,), offsets, but it has shape " + shape);
    }
    long available = size - header.dataOffset();
    if (available < header.dataLength()) {
      throw new RaggedFormatException(resource, "the index is shorter than its header says: shape " + shape
          + " needs " + header.dataLength() + " bytes after the " + header.dataOffset() + "-byte header, but there are "
          + "only " + Math.max(0, available));
    }
    return new RaggedIndex(resource, form, rows, header.dataOffset(), scalar.endian() == Endian.BIG,
        form == Form.PAIRS && header.fortranOrder() && rows > 1);
  }

  /** The file, as given to {@link #read}; messages start with it. */
  public String resource() {
    return resource;
  }

  public Form form() {
    return form;
  }

  /** N: the number of rows. */
  public long rows() {
    return rows;
  }

  /** The entries of rows {@code [from, to)}: one positioned read (two for pairs in Fortran order). */
  public Slice slice(PositionalReader reader, long from, long to) throws IOException {
    if (from < 0 || to < from || to > rows) {
      throw new IndexOutOfBoundsException(resource + ": rows [" + from + ", " + to + ") outside [0, " + rows + ")");
    }
    int count = Math.toIntExact(to - from);
    long[] starts = new long[count];
    long[] lengths = new long[count];
    switch (form) {
      case OFFSETS -> {
        long[] offsets = readLongs(reader, from, count + 1);
        for (int i = 0; i < count; i++) {
          starts[i] = offsets[i];
          lengths[i] = offsets[i + 1] - offsets[i];
        }
      }
      case PAIRS -> {
        if (columnMajor) {
          System.arraycopy(readLongs(reader, from, count), 0, starts, 0, count);
          System.arraycopy(readLongs(reader, rows + from, count), 0, lengths, 0, count);
        } else {
          long[] pairs = readLongs(reader, 2 * from, 2 * count);
          for (int i = 0; i < count; i++) {
            starts[i] = pairs[2 * i];
            lengths[i] = pairs[2 * i + 1];
          }
        }
      }
    }
    return new Slice(from, starts, lengths);
  }

  /**
   * Checks every entry against the data, in one pass of bounded chunks ({@link #check} on each).
   *
   * @param reader the same file this was read from
   * @param data what the rows index into, named in messages
   * @return the sum of the lengths
   * @throws RaggedFormatException at the first bad entry, naming the row and its values
   */
  public long validate(PositionalReader reader, RaggedData data) throws IOException {
    long total = 0;
    for (long from = 0; from < rows; from += CHUNK_ROWS) {
      Slice slice = slice(reader, from, Math.min(rows, from + CHUNK_ROWS));
      check(slice, data);
      total += slice.elements();
    }
    return total;
  }

  /**
   * Checks the entries of a slice against the data: starts and lengths are non-negative and every row lies within
   * the elements of the data; offsets never decrease. What a task that reads the rows checks of them, so that no
   * one reads the whole index of billions of rows to answer a query about some.
   *
   * @throws RaggedFormatException at the first bad entry, naming the row and its values
   */
  public void check(Slice slice, RaggedData data) throws RaggedFormatException {
    long dataElements = data.elements();
    for (int i = 0; i < slice.rows(); i++) {
      long row = slice.first() + i;
      long start = slice.starts()[i];
      long length = slice.lengths()[i];
      if (form == Form.OFFSETS && length < 0) {
        throw new RaggedFormatException(resource, "offsets must not decrease, but offset " + (row + 1) + " is "
            + (start + length) + ", less than offset " + row + ", " + start);
      }
      if (start < 0) {
        throw new RaggedFormatException(resource, (form == Form.OFFSETS ? "offset " : "start of row ") + row
            + " is negative: " + start);
      }
      if (length < 0) {
        throw new RaggedFormatException(resource, "row " + row + " has negative length " + length);
      }
      if (start > dataElements || length > dataElements - start) {
        throw new RaggedFormatException(resource, "row " + row + " is elements [" + start + ", "
            + (length > Long.MAX_VALUE - start ? "beyond " + Long.MAX_VALUE : start + length) + "), past the end of "
            + data.resource() + ", which has " + dataElements + " elements");
      }
    }
  }

  /** {@code count} int64 entries from entry {@code first} of the array. */
  private long[] readLongs(PositionalReader reader, long first, int count) throws IOException {
    long bytes = 8L * count;
    if (bytes > Integer.MAX_VALUE - 8) {
      throw new IllegalArgumentException(resource + ": " + count + " index entries are too many for one read; read "
          + "them in slices");
    }
    byte[] buffer = new byte[(int) bytes];
    reader.readFully(dataOffset + 8 * first, buffer, 0, buffer.length);
    LongBuffer longs = ByteBuffer.wrap(buffer)
        .order(bigEndian ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN)
        .asLongBuffer();
    long[] out = new long[count];
    longs.get(out);
    return out;
  }

  /** The header of an index of {@code rows} {@code [start, length]} pairs, as {@code np.save} writes it. */
  public static byte[] pairsHeader(long rows) {
    return NpyHeader.encode(DTYPE, false, Shape.of(rows, 2));
  }

  /**
   * Adds {@code base} to the start of every little-endian {@code [start, length]} pair in {@code pairs}, from its
   * position to its limit: what turns the index a task wrote for its own rows, starts counted from its first
   * element, into entries of the whole array, once the elements of the rows before are known.
   */
  public static void rebase(ByteBuffer pairs, long base) {
    ByteBuffer view = pairs.duplicate().order(ByteOrder.LITTLE_ENDIAN);
    for (int at = view.position(); at + 16 <= view.limit(); at += 16) {
      view.putLong(at, Math.addExact(view.getLong(at), base));
    }
  }

  @Override
  public String toString() {
    return "RaggedIndex[" + resource + ", " + form.name().toLowerCase(java.util.Locale.ROOT) + ", " + rows
        + " rows]";
  }
}
