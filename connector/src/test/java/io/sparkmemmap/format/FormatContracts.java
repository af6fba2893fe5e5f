package io.sparkmemmap.format;

import io.sparkmemmap.format.NpzDirectory.Entry;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * What every input to the format parsers must end in, checked one input at a time: a value that is consistent with
 * the input, or the documented exception ({@link NpyFormatException} naming the resource for files, a non-empty
 * {@link IllegalArgumentException} for dtype text). Anything else - another exception, an error such as
 * {@link StackOverflowError} or {@link OutOfMemoryError}, a read outside the file - is an {@link AssertionError}
 * that carries the input. The fuzz properties and the coverage-guided fuzz entry point both run inputs through here.
 */
final class FormatContracts {
  static final String NPY = "/fuzz/input.npy";
  static final String NPZ = "/fuzz/input.npz";
  /** Entries checked per archive; a mutated directory may list thousands of copies of one record. */
  private static final int MAX_ENTRIES_CHECKED = 32;
  /** Entry bytes kept for comparison; past this an entry is only counted. */
  private static final int MAX_ENTRY_BYTES_KEPT = 1 << 20;

  private FormatContracts() {}

  /** The header read from {@code bytes}, or null when it is refused with a named error. */
  static NpyHeader header(byte[] bytes) {
    CountingStream in = new CountingStream(bytes);
    NpyHeader header;
    try {
      header = NpyHeader.read(in, NPY);
    } catch (NpyFormatException e) {
      namesResource(e, NPY, bytes);
      return null;
    } catch (Throwable t) {
      throw violation("NpyHeader.read threw " + t, bytes, t);
    }
    check(in.position() == header.dataOffset(), "the stream is at " + in.position() + ", not at the data offset "
        + header.dataOffset(), bytes);
    check(bytes[6] == header.version().major() && bytes[7] == header.version().minor(),
        "version " + header.version() + " is not the one in the file", bytes);
    check(header.dataLength() >= 0 && header.dataLength() <= Long.MAX_VALUE - header.dataOffset(),
        "data of " + header.dataLength() + " bytes at " + header.dataOffset() + " overflows", bytes);
    reencodes(header, bytes);
    return header;
  }

  /** What numpy would write for the array this header describes reads back as the same array. */
  private static void reencodes(NpyHeader header, byte[] input) {
    byte[] again;
    try {
      again = NpyHeader.encode(header.dtype(), header.fortranOrder(), header.shape());
    } catch (IllegalArgumentException e) {
      check(header.dtype().containsObject() || !numpyHasDescrFor(header.dtype()),
          "a header that was read cannot be written again: " + e.getMessage(), input);
      return;
    }
    check(!header.dtype().containsObject(), "encoded an object dtype", input);
    check(again.length % 64 == 0 && again[again.length - 1] == '\n', "the encoded header is not 64-aligned", input);
    NpyHeader reread;
    try {
      reread = NpyHeader.read(new ByteArrayInputStream(again), NPY);
    } catch (NpyFormatException e) {
      check(header.dataLength() > Long.MAX_VALUE - again.length && e.getMessage().contains("more bytes"),
          "the header as encoded does not read back: " + e.getMessage(), input);
      return;
    } catch (Throwable t) {
      throw violation("reading the encoded header threw " + t, input, t);
    }
    check(reread.dtype().equals(header.dtype()) && reread.shape().equals(header.shape())
        && reread.fortranOrder() == header.fortranOrder() && reread.dataOffset() == again.length,
        "the encoded header reads back as " + reread + " instead of " + header, input);
  }

  /** The type {@code text} names, or null when it is refused with a message. */
  static DType descr(String text) {
    DType dtype;
    try {
      dtype = NumpyDescr.parse(text);
    } catch (IllegalArgumentException e) {
      check(e.getMessage() != null && !e.getMessage().isBlank(), "an error without a message", text);
      return null;
    } catch (Throwable t) {
      throw violation("NumpyDescr.parse threw " + t, text, t);
    }
    printsAndParsesBack(dtype, text);
    return dtype;
  }

  /**
   * The descr printed for {@code dtype} parses back to it, through the user-facing parser and through the header's
   * literal parser, and printing is a fixpoint; a type numpy has no descr for is refused on printing.
   */
  static void printsAndParsesBack(DType dtype, Object source) {
    String descr;
    try {
      descr = NumpyDescr.toDescr(dtype);
    } catch (IllegalArgumentException e) {
      check(!numpyHasDescrFor(dtype), "no descr printed for " + dtype + ": " + e.getMessage(), source);
      return;
    } catch (Throwable t) {
      throw violation("NumpyDescr.toDescr threw " + t, source, t);
    }
    check(numpyHasDescrFor(dtype), "printed " + descr + " for a type with overlapping fields", source);
    DType back;
    DType fromHeader;
    try {
      back = NumpyDescr.parse(descr);
      fromHeader = NumpyDescr.fromLiteral(PyLiteral.parse(descr));
    } catch (Throwable t) {
      throw violation("the printed descr " + descr + " does not parse: " + t, source, t);
    }
    check(back.equals(dtype), "the printed descr " + descr + " parses as " + back + ", not " + dtype, source);
    check(fromHeader.equals(dtype), "as a header literal, " + descr + " reads as " + fromHeader, source);
    check(NumpyDescr.toDescr(back).equals(descr), "printing " + descr + " again gives another text", source);
  }

  /** numpy writes a structured descr as fields in offset order with padding between: overlaps have none. */
  static boolean numpyHasDescrFor(DType dtype) {
    if (dtype instanceof StructDType struct) {
      long cursor = 0;
      for (StructDType.Field field : struct.fields()) {
        if (field.offset() < cursor || !numpyHasDescrFor(field.dtype())) {
          return false;
        }
        cursor = field.offset() + field.byteSize();
      }
    }
    return true;
  }

  /** The directory of the archive in {@code bytes}, or null when it is refused with a named error. */
  static NpzDirectory npz(byte[] bytes) {
    return npz(new CheckedReader(bytes, bytes.length));
  }

  /**
   * Reads the directory and every entry (offset, content, header) of an archive. Besides the outcome of each step,
   * it checks that the parser never reads outside the file and that reading the directory costs bytes in proportion
   * to the file (every buffer it allocates is filled by a read, so this bounds its allocations too).
   */
  static NpzDirectory npz(CheckedReader archive) {
    NpzDirectory npz;
    try {
      npz = NpzDirectory.read(archive, NPZ);
    } catch (NpyFormatException e) {
      namesResource(e, NPZ, archive);
      return null;
    } catch (Throwable t) {
      throw violation("NpzDirectory.read threw " + t, archive, t);
    } finally {
      archive.checkReadsInside();
    }
    long directoryBound = 2 * Math.min(archive.size(), NpzDirectory.MAX_CENTRAL_DIRECTORY_BYTES + 65557L) + 256;
    check(archive.bytesRead() <= directoryBound, "reading the directory read " + archive.bytesRead()
        + " bytes of a " + archive.size() + "-byte archive", archive);
    List<Entry> entries = npz.entries();
    for (Entry entry : entries.subList(0, Math.min(entries.size(), MAX_ENTRIES_CHECKED))) {
      entry(npz, entry, archive);
    }
    archive.checkReadsInside();
    return npz;
  }

  private static void entry(NpzDirectory npz, Entry entry, CheckedReader archive) {
    check(npz.describe(entry).startsWith(NPZ), "entries are not described by their archive", archive);
    long offset = -1;
    try {
      offset = npz.dataOffset(entry);
      check(offset >= 0 && offset <= archive.size() - entry.compressedSize(), "entry data of "
          + entry.compressedSize() + " bytes at " + offset + " is not inside the archive", archive);
    } catch (NpyFormatException e) {
      namesResource(e, NPZ, archive);
    } catch (Throwable t) {
      throw violation("dataOffset threw " + t, archive, t);
    }
    byte[] content = content(npz, entry, archive);
    if (content != null && entry.isStored() && offset >= 0) {
      byte[] mapped = new byte[content.length];
      try {
        archive.readFully(offset, mapped, 0, mapped.length);
      } catch (IOException e) {
        throw violation("the data offset of a readable entry is outside the archive", archive, e);
      }
      check(Arrays.equals(mapped, content), "a stored entry's bytes at its data offset are not its content",
          archive);
    }
    NpyHeader header = null;
    try (InputStream in = npz.openEntry(entry)) {
      header = NpyHeader.read(in, npz.describe(entry));
    } catch (NpyFormatException e) {
      namesResource(e, NPZ, archive);
    } catch (Throwable t) {
      throw violation("reading an entry's header threw " + t, archive, t);
    }
    if (content != null) {
      check(Objects.equals(header(content), header),
          "the header read from the entry stream differs from the one in its content", archive);
    }
  }

  /** The entry's verified content, null when it is refused or too large to keep. */
  private static byte[] content(NpzDirectory npz, Entry entry, CheckedReader archive) {
    ByteArrayOutputStream kept = new ByteArrayOutputStream();
    long count = 0;
    byte[] buffer = new byte[8192];
    try (InputStream in = npz.openEntry(entry)) {
      for (int n; (n = in.read(buffer)) >= 0; ) {
        count += n;
        if (count <= MAX_ENTRY_BYTES_KEPT) {
          kept.write(buffer, 0, n);
        }
      }
    } catch (NpyFormatException e) {
      namesResource(e, NPZ, archive);
      return null;
    } catch (Throwable t) {
      throw violation("reading an entry threw " + t, archive, t);
    }
    check(count == entry.uncompressedSize(), "an entry read to its end holds " + count + " bytes, not the "
        + entry.uncompressedSize() + " its directory gives", archive);
    return count <= MAX_ENTRY_BYTES_KEPT ? kept.toByteArray() : null;
  }

  private static void namesResource(NpyFormatException e, String resource, Object input) {
    check(e.resourceDescription() != null && e.resourceDescription().startsWith(resource)
        && e.getMessage().startsWith(e.resourceDescription() + ": ")
        && e.getMessage().length() > e.resourceDescription().length() + 2,
        "the error does not name " + resource + " and a problem: " + e.getMessage(), input);
  }

  private static void check(boolean condition, String problem, Object input) {
    if (!condition) {
      throw violation(problem, input, null);
    }
  }

  private static AssertionError violation(String problem, Object input, Throwable cause) {
    return new AssertionError(problem + "\ninput: " + describe(input), cause);
  }

  private static String describe(Object input) {
    if (input instanceof byte[] bytes) {
      return bytes.length + " bytes " + hex(bytes, 0, bytes.length);
    }
    if (input instanceof String text) {
      return PyLiteral.repr(text.length() > 2000 ? text.substring(0, 2000) + "..." : text);
    }
    return String.valueOf(input);
  }

  static String hex(byte[] bytes, int from, int to) {
    StringBuilder sb = new StringBuilder();
    for (int i = from; i < Math.min(to, from + 4096); i++) {
      sb.append(String.format("%02x", bytes[i] & 0xFF));
    }
    return sb.append(to - from > 4096 ? "..." : "").toString();
  }

  /** A stream over bytes that knows how many were taken. */
  private static final class CountingStream extends ByteArrayInputStream {
    CountingStream(byte[] bytes) {
      super(bytes);
    }

    long position() {
      return pos;
    }
  }

  /**
   * A file of {@code size} bytes whose last bytes are {@code tail} and whose other bytes are zero, so that a small
   * array can stand for a huge sparse file. It records reads outside the file (which a {@link PositionalReader}
   * over a channel answers with an {@link EOFException}) so that a parser that catches the exception is still
   * caught, and counts the bytes read.
   */
  static final class CheckedReader implements PositionalReader {
    private final byte[] tail;
    private final long size;
    private long bytesRead;
    private String outsideRead;

    CheckedReader(byte[] tail, long size) {
      if (size < tail.length) {
        throw new IllegalArgumentException("the file is shorter than its tail");
      }
      this.tail = tail;
      this.size = size;
    }

    @Override
    public long size() {
      return size;
    }

    @Override
    public void readFully(long position, byte[] buffer, int offset, int length) throws IOException {
      Objects.checkFromIndexSize(offset, length, buffer.length);
      if (position < 0 || position > size - length) {
        if (outsideRead == null) {
          outsideRead = length + " bytes at " + position;
        }
        throw new EOFException("read of " + length + " bytes at " + position + " past the end at " + size);
      }
      bytesRead += length;
      long tailStart = size - tail.length;
      int zeros = (int) Math.max(0, Math.min(length, tailStart - position));
      Arrays.fill(buffer, offset, offset + zeros, (byte) 0);
      if (zeros < length) {
        System.arraycopy(tail, (int) (position + zeros - tailStart), buffer, offset + zeros, length - zeros);
      }
    }

    long bytesRead() {
      return bytesRead;
    }

    void checkReadsInside() {
      check(outsideRead == null, "the parser read " + outsideRead + " outside the file", this);
    }

    @Override
    public String toString() {
      return "archive of " + size + " bytes ending in " + tail.length + " bytes " + hex(tail, 0, tail.length);
    }
  }
}
