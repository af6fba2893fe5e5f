package io.sparkmemmap.read;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.conf.Configuration;

/**
 * Walks the rows of a partition in chunks. The consecutive ranges of one file form a group read through one
 * {@link RowSource}, which maps (or reads) only the rows of the ranges; adjacent ranges are one run. A chunk is rows
 * of one run, so every row of a chunk is wanted. Counts the I/O for the scan's metrics.
 */
final class PartitionRows implements Closeable {
  private static final ByteBuffer[] NO_BUFFERS = new ByteBuffer[0];
  private static final int[] NO_POSITIONS = new int[0];
  static final long CHECK_BYTES = 4L << 20;

  /** The runs of one file: {@code from0, to0, from1, to1, ...}, increasing. */
  private record Group(ArrayFile file, long[] runs) {}

  private final String description;
  private final List<Group> groups;
  private final RowLayout layout;
  private final int[] segments;
  private final boolean mayMap;
  private final Configuration conf;

  private int groupIndex = -1;
  private int runIndex;
  private Group group;
  private RowSource source;
  private long nextRow;
  private long runEnd;
  private long chunkRow;
  private int chunkRows;
  private boolean closed;

  private long bytesMappedByClosedSources;
  private long bytesFetchedByClosedSources;
  private long requestsOfClosedSources;
  private long bytesRead;
  private long rowsRead;
  /** What {@link #loadIntoCache} loaded, kept so that the loads are not optimized away. */
  private long cacheLoads;
  private long loadedSinceCheck;

  /**
   * @param ranges the partition's ranges, in order
   * @param segments the segments of each row to read; none to walk rows without reading them
   * @param mayMap whether rows may be read from kept mappings ({@link RowSource#open})
   */
  PartitionRows(List<FileRange> ranges, RowLayout layout, int[] segments, boolean mayMap, Configuration conf) {
    this.description = ranges.toString();
    this.groups = groups(ranges);
    this.layout = layout;
    this.segments = segments.clone();
    this.mayMap = mayMap;
    this.conf = conf;
  }

  private static List<Group> groups(List<FileRange> ranges) {
    List<Group> result = new ArrayList<>();
    int i = 0;
    while (i < ranges.size()) {
      ArrayFile file = ranges.get(i).file();
      long[] runs = new long[2 * ranges.size()];
      int n = 0;
      for (; i < ranges.size() && sameArray(ranges.get(i).file(), file); i++) {
        FileRange range = ranges.get(i);
        if (range.rows() <= 0) {
          continue;
        }
        if (n > 0 && runs[n - 1] == range.fromRow()) {
          runs[n - 1] = range.toRow();
        } else {
          runs[n++] = range.fromRow();
          runs[n++] = range.toRow();
        }
      }
      if (n > 0) {
        result.add(new Group(file, java.util.Arrays.copyOf(runs, n)));
      }
    }
    return result;
  }

  private static boolean sameArray(ArrayFile a, ArrayFile b) {
    return a == b || (a.uri().equals(b.uri()) && java.util.Objects.equals(a.entry(), b.entry()));
  }

  /**
   * Moves to the next chunk of at most {@code maxRows} rows.
   *
   * @return false when every row was walked
   */
  boolean next(int maxRows) throws IOException {
    if (closed) {
      throw new IllegalStateException("the reader of " + description + " is closed");
    }
    while (group == null || nextRow >= runEnd) {
      if (group != null && 2 * (runIndex + 1) < group.runs().length) {
        runIndex++;
      } else {
        closeSource();
        if (++groupIndex >= groups.size()) {
          group = null;
          return false;
        }
        group = groups.get(groupIndex);
        runIndex = 0;
        if (segments.length > 0) {
          long[] runs = group.runs();
          source = RowSource.open(group.file(), layout, segments, runs[0], runs[runs.length - 1], mayMap,
              conf);
        }
      }
      nextRow = group.runs()[2 * runIndex];
      runEnd = group.runs()[2 * runIndex + 1];
    }
    int rows = (int) Math.min(maxRows, runEnd - nextRow);
    chunkRow = nextRow;
    chunkRows = rows;
    if (source != null) {
      try {
        rows = source.prepare(nextRow, runEnd, rows);
      } catch (InternalError | RuntimeException e) {
        throw failure(e);
      }
      chunkRows = rows;
    }
    nextRow += rows;
    rowsRead += rows;
    bytesRead += (long) rows * layout.stride() * segments.length;
    return true;
  }

  /**
   * Before rows {@code [from, from + n)} of the chunk are decoded: brings their bytes into the CPU's caches if they
   * are in a mapping ({@link BufferAddress#loadIntoCache}); a window read into a buffer is there already. Every
   * {@value #CHECK_BYTES} bytes, also checks that the file is intact ({@link RowSource#checkIntact}): a file
   * truncated under a mapping faults on every load of a vanished page, and the fault surfaces only when the thread
   * next returns from native code, so a loop over a span of a GiB would otherwise fault for minutes first.
   */
  void loadIntoCache(int from, int n) throws IOException {
    if (source == null || !source.mapped()) {
      return;
    }
    int stride = layout.stride();
    for (int s : segments) {
      cacheLoads += BufferAddress.loadIntoCache(source.buffers()[s], source.positions()[s] + from * stride,
          n * stride);
    }
    loadedSinceCheck += (long) n * stride * segments.length;
    if (loadedSinceCheck >= CHECK_BYTES) {
      loadedSinceCheck = 0;
      source.checkIntact();
    }
  }

  /** After the chunk's bytes were copied out: fails if the file changed under them ({@link RowSource#checkIntact}). */
  void checkIntact() throws IOException {
    if (source != null) {
      source.checkIntact();
    }
  }

  /** The array of the current chunk. */
  ArrayFile file() {
    return group.file();
  }

  /** Counts the file groups: changes exactly when the chunk's array does. */
  int groupIndex() {
    return groupIndex;
  }

  /** The index of the chunk's first row in its array. */
  long firstRow() {
    return chunkRow;
  }

  /** The rows of the chunk. */
  int rows() {
    return chunkRows;
  }

  /** Segment {@code s} of the chunk's rows starts at {@code positions()[s]} of {@code buffers()[s]}. */
  ByteBuffer[] buffers() {
    return source == null ? NO_BUFFERS : source.buffers();
  }

  int[] positions() {
    return source == null ? NO_POSITIONS : source.positions();
  }

  /**
   * The failure to read the current chunk as an error naming the file and the bytes: a fault on a mapped page (the
   * file was truncated or rewritten under the task), which the JVM raises as an {@link InternalError}, included.
   * That error is attached as suppressed, not as the cause: Spark kills an executor whose task failed with a fatal
   * error anywhere in its chain of causes ({@code spark.executor.killOnFatalError.depth}).
   */
  IOException failure(Throwable e) {
    String where = source != null ? source.describe(chunkRow, chunkRow + chunkRows)
        : group.file().describe() + " rows [" + chunkRow + ", " + (chunkRow + chunkRows) + ")";
    if (e instanceof InternalError) {
      IOException failure = new IOException(where + ": the file changed while it was read (it was truncated or "
          + "rewritten under the task, and a mapped page could not be read: " + e.getMessage() + ")");
      failure.addSuppressed(e);
      return failure;
    }
    return new IOException(where + ": " + e.getMessage(), e);
  }

  long bytesMapped() {
    return bytesMappedByClosedSources + (source == null ? 0 : source.bytesMapped());
  }

  /** Bytes fetched from remote files. */
  long bytesFetched() {
    return bytesFetchedByClosedSources + (source == null ? 0 : source.fetches().bytes());
  }

  /** Requests made to remote stores. */
  long fetchRequests() {
    return requestsOfClosedSources + (source == null ? 0 : source.fetches().requests());
  }

  /** Bytes of array data the rows walked span in the segments read. */
  long bytesRead() {
    return bytesRead;
  }

  long rowsRead() {
    return rowsRead;
  }

  @Override
  public String toString() {
    return description;
  }

  private void closeSource() throws IOException {
    if (source != null) {
      RowSource closing = source;
      source = null;
      bytesMappedByClosedSources += closing.bytesMapped();
      closing.close();
      // After the close: a stream counts what it drained or skipped when it closed.
      bytesFetchedByClosedSources += closing.fetches().bytes();
      requestsOfClosedSources += closing.fetches().requests();
    }
  }

  @Override
  public void close() throws IOException {
    if (!closed) {
      closed = true;
      closeSource();
    }
  }
}
