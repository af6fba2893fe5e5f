package io.sparkmemmap.read;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.apache.hadoop.conf.Configuration;

/**
 * The bytes of a range of rows of one array, made available a batch at a time. Segment {@code s} of the rows a
 * {@link #prepare} call made available starts at byte {@code positions()[s]} of {@code buffers()[s]}; only the
 * segments asked for are filled. Every buffer is little-endian.
 */
abstract class RowSource implements Closeable {
  /** More segments than this are always read with positioned reads rather than kept mapped one mapping each. */
  static final int MAX_MAPPED_SEGMENTS = 256;

  protected final ArrayFile file;
  protected final RowLayout layout;
  protected final int[] segments;
  protected final long fromRow;
  protected final long toRow;
  protected final ByteBuffer[] buffers;
  protected final int[] positions;
  private boolean closed;

  RowSource(ArrayFile file, RowLayout layout, int[] segments, long fromRow, long toRow) {
    this.file = file;
    this.layout = layout;
    this.segments = segments.clone();
    this.fromRow = fromRow;
    this.toRow = toRow;
    this.buffers = new ByteBuffer[layout.segmentCount()];
    this.positions = new int[layout.segmentCount()];
  }

  /**
   * Opens the rows {@code [fromRow, toRow)} of {@code file} (maybe only some of them are read, see
   * {@link #prepare}), reading the given segments: from the executor's kept mappings or by positioned reads
   * ({@link FileRows}), inflated for deflated {@code .npz} entries.
   *
   * @param mayMap whether spans may come from kept mappings; readers that hand Spark the read bytes themselves
   *     ({@link WindowColumnVector}) say no, because a fault on a mapped page in Spark's code would kill the executor
   */
  static RowSource open(ArrayFile file, RowLayout layout, int[] segments, long fromRow, long toRow, boolean mayMap,
      Configuration conf) throws IOException {
    java.nio.file.Path local = mayMap ? FileHandle.localPath(file.path()) : null;
    KeptMappings.FileIdentity before = local == null ? null : KeptMappings.identify(local);
    FileHandle handle = file.listed() != null ? FileHandle.open(file.listed(), conf)
        : FileHandle.open(file.path(), file.fileLength(), conf);
    try {
      if (file.deflated()) {
        return new InflatedRows(handle, file, layout, segments, fromRow, toRow);
      }
      KeptMappings.FileIdentity identity = null;
      if (before != null && before.equals(KeptMappings.identify(local))) {
        identity = before; // the file the handle reads: it was not replaced while it was opened
      }
      return new FileRows(handle, identity == null ? null : KeptMappings.ofExecutor(), identity, file, layout,
          segments, fromRow, toRow);
    } catch (IOException | RuntimeException e) {
      handle.close();
      throw e;
    }
  }

  /**
   * Whether {@link #open} without mappings gives the rows of {@code file} in direct buffers: positioned reads of a
   * local file do; another file system's reads and inflated entries fill arrays.
   */
  static boolean readsIntoDirectBuffers(ArrayFile file) {
    return !file.deflated() && FileHandle.localPath(file.path()) != null;
  }

  /**
   * Makes rows {@code [row, row + n)} available, {@code 1 <= n <= maxRows}, and returns {@code n}. The rows from
   * {@code row} to {@code runEnd} are needed, those after may not be: nothing past {@code runEnd} is mapped or read.
   * Rows are asked for in increasing order.
   *
   * @throws IllegalStateException after {@link #close}
   */
  final int prepare(long row, long runEnd, int maxRows) throws IOException {
    if (closed) {
      throw new IllegalStateException(describe() + " is closed");
    }
    if (row < fromRow || runEnd > toRow || row >= runEnd || maxRows < 1) {
      throw new IllegalArgumentException(describe() + ": rows [" + row + ", " + runEnd + ") are outside the range");
    }
    return load(row, runEnd, (int) Math.min(maxRows, runEnd - row));
  }

  /**
   * Makes {@code 1 .. maxRows} rows from {@code row} available; {@code maxRows} never reaches past {@code runEnd},
   * the end of the rows needed from {@code row} on.
   */
  protected abstract int load(long row, long runEnd, int maxRows) throws IOException;

  /**
   * Called after the bytes {@link #prepare} made available were copied out: fails if the file changed under the
   * read in a way that spoils them. Only mapped rows can be spoiled after the fact ({@link MappedRows}).
   */
  void checkIntact() throws IOException {}

  /** Whether the rows {@link #prepare} made available are in a mapping, not read into a buffer. */
  boolean mapped() {
    return false;
  }

  /** Bytes of the file mapped or read so far. */
  abstract long bytesMapped();

  /** What was fetched from a remote file so far. */
  abstract RemoteFetches fetches();

  /** Releases mappings and handles; idempotent. */
  protected abstract void release() throws IOException;

  final ByteBuffer[] buffers() {
    return buffers;
  }

  final int[] positions() {
    return positions;
  }

  @Override
  public final void close() throws IOException {
    if (!closed) {
      closed = true;
      java.util.Arrays.fill(buffers, null);
      release();
    }
  }

  /** Offset in the file (or the inflated entry) of segment {@code s}'s row 0. */
  protected final long segmentStart(int segment) {
    return file.dataOffset() + layout.segmentStart(segment, file.rows());
  }

  /** Where segment {@code s}'s row {@code row} starts. */
  protected final long position(int segment, long row) {
    return segmentStart(segment) + row * layout.stride();
  }

  /** The file and byte range of the whole range, for errors. */
  final String describe() {
    return describe(fromRow, toRow);
  }

  /** The file and byte range of rows {@code [from, to)}, for errors. */
  final String describe(long from, long to) {
    if (segments.length == 0) {
      return file.describe() + " rows [" + from + ", " + to + ")";
    }
    int last = segments[segments.length - 1];
    return file.describe(from, to, position(segments[0], from), position(last, to));
  }

  /** The end of the last byte the range needs, to check against the file's length. */
  protected final long requiredEnd() {
    long end = 0;
    for (int s : segments) {
      end = Math.max(end, position(s, toRow));
    }
    return end;
  }

  static ByteBuffer littleEndian(ByteBuffer buffer) {
    return buffer.order(ByteOrder.LITTLE_ENDIAN);
  }
}
