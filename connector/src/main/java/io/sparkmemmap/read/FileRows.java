package io.sparkmemmap.read;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * Rows of a stored (not deflated) array, read a span of whole rows of one run at a time: up to
 * {@value #MAX_SPAN_BYTES} bytes of rows (all segments together), so that ranges and files past 2 GiB work. A span of
 * a local file is read through the executor's kept mappings ({@link KeptMappings}, which say why a mapping comes
 * first). Where a span is not mapped (a file that is not local, a reader that hands the bytes to Spark itself, or no
 * room for the mapping) it is read by positioned reads of exactly its bytes, a window at a time, into a buffer reused
 * from window to window: for a local file a direct buffer of {@link ReadBuffers} ({@code pread} straight into it),
 * for any other file system a heap array filled by {@code FSDataInputStream.readFully(position, ...)} in reads of up
 * to {@value #REMOTE_WINDOW_BYTES} bytes, which a remote store streams at its speed. Nothing outside the rows asked
 * for is read.
 */
final class FileRows extends RowSource {
  /** The most bytes read per call from a file that is not local, all segments together (at least one row). */
  static final int REMOTE_WINDOW_BYTES = 64 << 20;
  /** The most bytes of a span, all segments together (at least one row): a mapping holds at most this much. */
  static final long MAX_SPAN_BYTES = 1L << 30;

  private final FileHandle handle;
  /**
   * The executor's kept mappings, and the file's identity in them; null where the file is not to be mapped: a file
   * that is not local, or whose identity could not be told (the caller passes none), or too many segments.
   */
  private final KeptMappings kept;
  private final KeptMappings.FileIdentity identity;
  private final long rowsPerSpan;
  private final int rowsPerWindow;
  /** The buffer read windows go into; the segments' windows are slices of it. Made at the first read. */
  private ByteBuffer readBuffer;
  private final ByteBuffer[] slices;
  private final KeptMappings.Lease[] leases;
  private long spanFrom = -1;
  private long spanTo = -1;
  private boolean spanMapped;
  private long windowFrom = -1;
  private long windowTo = -1;
  private long bytesLoaded;

  /** @param kept the executor's kept mappings, for a local file whose {@code identity} is known; else null */
  FileRows(FileHandle handle, KeptMappings kept, KeptMappings.FileIdentity identity, ArrayFile file,
      RowLayout layout, int[] segments, long fromRow, long toRow) throws IOException {
    super(file, layout, segments, fromRow, toRow);
    this.handle = handle;
    this.kept = segments.length > MAX_MAPPED_SEGMENTS ? null : kept;
    this.identity = identity;
    long rowBytes = (long) layout.stride() * segments.length;
    long windowBytes = handle.isLocal() ? ReadBuffers.WINDOW_BYTES : REMOTE_WINDOW_BYTES;
    this.rowsPerSpan = rowBytes == 0 ? Long.MAX_VALUE : Math.max(1, MAX_SPAN_BYTES / rowBytes);
    this.rowsPerWindow = (int) Math.min(toRow - fromRow, rowBytes == 0 ? Integer.MAX_VALUE
        : Math.max(1, windowBytes / rowBytes));
    this.slices = new ByteBuffer[layout.segmentCount()];
    this.leases = new KeptMappings.Lease[layout.segmentCount()];
    if (handle.size() < requiredEnd()) {
      throw new IOException(describe() + ": the file is " + handle.size() + " bytes long, shorter than the "
          + requiredEnd() + " bytes the read was planned with; it was truncated or rewritten after planning");
    }
  }

  @Override
  protected int load(long row, long runEnd, int maxRows) throws IOException {
    if (row < windowFrom || row >= windowTo) {
      if (row < spanFrom || row >= spanTo) {
        startSpan(row, runEnd);
      }
      if (!spanMapped) {
        read(row, Math.min(spanTo, row + rowsPerWindow));
      }
    }
    int stride = layout.stride();
    for (int s : segments) {
      positions[s] = (int) ((row - windowFrom) * stride);
    }
    return (int) Math.min(maxRows, windowTo - row);
  }

  /** Starts the span of the run from {@code row}: mapped if every segment of it is kept, else read window by window. */
  private void startSpan(long row, long runEnd) throws IOException {
    closeLeases();
    spanFrom = row;
    spanTo = Math.min(runEnd, row + rowsPerSpan);
    spanMapped = kept != null && leaseAll(row, spanTo);
    windowFrom = -1;
    windowTo = -1;
    if (spanMapped) {
      for (int s : segments) {
        buffers[s] = littleEndian(leases[s].buffer().duplicate());
      }
      windowFrom = spanFrom; // a mapped span is one window
      windowTo = spanTo;
      bytesLoaded += (spanTo - spanFrom) * layout.stride() * segments.length;
    }
  }

  private boolean leaseAll(long from, long to) throws IOException {
    long length = (to - from) * layout.stride();
    for (int s : segments) {
      long start = position(s, from);
      try {
        leases[s] = kept.lease(file.path(), identity, handle.channel(), start, length);
      } catch (IOException | RuntimeException e) {
        closeLeases();
        throw new IOException(describe(from, to) + ": cannot map " + length + " bytes at offset " + start + ": " + e,
            e);
      }
      if (leases[s] == null) {
        closeLeases();
        return false;
      }
    }
    return true;
  }

  private void read(long row, long to) throws IOException {
    windowFrom = -1;
    windowTo = -1;
    int length = (int) ((to - row) * layout.stride());
    if (readBuffer == null) {
      allocateReadBuffer();
    }
    for (int s : segments) {
      ByteBuffer slice = slices[s];
      long start = position(s, row);
      try {
        handle.readFully(start, slice.clear().limit(length));
      } catch (IOException e) {
        throw new IOException(describe(row, to) + ": reading " + length + " bytes at offset " + start + " failed: "
            + e.getMessage(), e);
      }
      slice.clear();
      buffers[s] = slice;
    }
    windowFrom = row;
    windowTo = to;
    bytesLoaded += (long) length * segments.length;
  }

  private void allocateReadBuffer() {
    long segmentBytes = (long) rowsPerWindow * layout.stride();
    long bytes = segmentBytes * segments.length;
    readBuffer = handle.isLocal() ? ReadBuffers.acquire(bytes)
        : littleEndian(ByteBuffer.allocate(Math.toIntExact(bytes)));
    for (int i = 0; i < segments.length; i++) {
      slices[segments[i]] = littleEndian(readBuffer.slice((int) (i * segmentBytes), (int) segmentBytes));
    }
  }

  /**
   * For a mapped span, asks the file's length, a native call. A fault on a mapped page of a file truncated under the
   * task is raised in compiled code as an asynchronous {@link InternalError}, at the latest when the thread next
   * returns from native code; this call is such a return, so the error surfaces here, inside the reader, which turns
   * it into an IOException, instead of later in Spark's code, where an InternalError is fatal and kills the executor.
   * A read window cannot be spoiled after the fact: a truncated file is a short read.
   */
  @Override
  void checkIntact() throws IOException {
    if (!spanMapped) {
      return;
    }
    long size;
    try {
      size = handle.channel().size();
    } catch (RuntimeException e) {
      // the fault's InternalError, raised inside size() before its bookkeeping began, makes the bookkeeping's
      // cleanup fail in its place (FileChannelImpl releases thread slot -1)
      IOException changed = new IOException(describe() + ": the file changed while it was read (it was truncated "
          + "or rewritten under the task, and a mapped page could not be read)");
      changed.addSuppressed(e);
      throw changed;
    }
    if (size < requiredEnd()) {
      throw new IOException(describe() + ": the file changed while it was read: it is now " + size + " bytes long, "
          + "shorter than the " + requiredEnd() + " bytes the read was planned with (it was truncated or rewritten "
          + "under the task)");
    }
  }

  @Override
  boolean mapped() {
    return spanMapped;
  }

  @Override
  RemoteFetches fetches() {
    return handle.fetches();
  }

  @Override
  long bytesMapped() {
    return bytesLoaded;
  }

  private void closeLeases() {
    for (int s : segments) {
      if (leases[s] != null) {
        buffers[s] = null;
        leases[s].close();
        leases[s] = null;
      }
    }
    spanMapped = false;
  }

  @Override
  protected void release() throws IOException {
    try {
      closeLeases();
      handle.close();
    } finally {
      if (readBuffer != null && handle.isLocal()) {
        java.util.Arrays.fill(slices, null);
        ReadBuffers.release(readBuffer);
        readBuffer = null;
      }
    }
  }
}
