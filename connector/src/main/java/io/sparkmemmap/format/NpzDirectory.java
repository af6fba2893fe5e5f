package io.sparkmemmap.format;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.Charset;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.zip.CRC32;
import java.util.zip.Inflater;
import java.util.zip.InflaterInputStream;

/**
 * The central directory of an {@code .npz} archive (a zip file), read through a {@link PositionalReader} so that
 * only the directory is read, never the entries. ZIP64 archives (end record and locator, extra fields in central
 * and local headers, which numpy always writes) are read; offsets are shifted, as Python's zipfile does, when
 * something was prepended to the archive.
 *
 * <p>A stored entry ({@code np.savez}) can be mapped in place at {@link #dataOffset(Entry)}; a deflated one
 * ({@code np.savez_compressed}) is read through {@link #openEntry(Entry)}. Every count and size read from the
 * archive is checked against the archive's size before it decides an allocation, and every problem is an
 * {@link NpyFormatException} naming the archive.
 */
public final class NpzDirectory {
  public static final int STORED = 0;
  public static final int DEFLATED = 8;

  /** The largest central directory read into memory: about four million entries. */
  static final int MAX_CENTRAL_DIRECTORY_BYTES = 256 << 20;

  /** Deflate codes a run of 258 bytes in 2 bits at best: no stream inflates to more than 1032 times its size. */
  private static final long MAX_DEFLATE_RATIO = 1032;

  private static final int EOCD_SIGNATURE = 0x06054b50;
  private static final int EOCD_SIZE = 22;
  private static final int MAX_COMMENT = 0xFFFF;
  private static final int ZIP64_LOCATOR_SIGNATURE = 0x07064b50;
  private static final int ZIP64_LOCATOR_SIZE = 20;
  private static final int ZIP64_EOCD_SIGNATURE = 0x06064b50;
  private static final int ZIP64_EOCD_SIZE = 56;
  private static final int CENTRAL_SIGNATURE = 0x02014b50;
  private static final int CENTRAL_SIZE = 46;
  private static final int LOCAL_SIGNATURE = 0x04034b50;
  private static final int LOCAL_SIZE = 30;
  private static final int ZIP64_EXTRA_ID = 0x0001;
  private static final long U32_MAX = 0xFFFF_FFFFL;
  private static final int FLAG_ENCRYPTED = 1;
  private static final int FLAG_DATA_DESCRIPTOR = 1 << 3;
  private static final int FLAG_UTF8 = 1 << 11;
  private static final Charset CP437 = Charset.forName("IBM437");

  private final PositionalReader archive;
  private final String resourceDescription;
  private final List<Entry> entries;
  /** Where the central directory starts: every entry's data must end before it. */
  private final long centralDirectoryStart;

  /**
   * One file in the archive, as its central directory record describes it.
   *
   * @param name the entry name, such as {@code x.npy}
   * @param method {@link #STORED}, {@link #DEFLATED} or another zip method (which cannot be opened)
   * @param flags the general purpose bit flags
   * @param crc32 the CRC-32 of the uncompressed bytes
   * @param compressedSize bytes the entry occupies in the archive
   * @param uncompressedSize bytes of the entry's content
   * @param localHeaderOffset absolute offset of the entry's local file header
   */
  public record Entry(String name, int method, int flags, long crc32, long compressedSize, long uncompressedSize,
      long localHeaderOffset) {

    public boolean isStored() {
      return method == STORED;
    }

    public boolean isEncrypted() {
      return (flags & FLAG_ENCRYPTED) != 0;
    }

    /** The key {@code np.load} gives the entry: its name without the {@code .npy} suffix. */
    public String arrayName() {
      return name.endsWith(".npy") ? name.substring(0, name.length() - 4) : name;
    }
  }

  private NpzDirectory(PositionalReader archive, String resourceDescription, List<Entry> entries,
      long centralDirectoryStart) {
    this.archive = archive;
    this.resourceDescription = resourceDescription;
    this.entries = entries;
    this.centralDirectoryStart = centralDirectoryStart;
  }

  /** Reads the directory of the archive; {@code archive} stays the caller's to close. */
  public static NpzDirectory read(PositionalReader archive, String resourceDescription) throws IOException {
    return new DirectoryParser(archive, resourceDescription).parse();
  }

  /** The entries in directory order. */
  public List<Entry> entries() {
    return entries;
  }

  /** The entry of that name; when a name repeats, the last one, as Python's zipfile picks. */
  public Optional<Entry> entry(String name) {
    for (int i = entries.size() - 1; i >= 0; i--) {
      if (entries.get(i).name().equals(name)) {
        return Optional.of(entries.get(i));
      }
    }
    return Optional.empty();
  }

  /** The archive and entry, as errors about the entry should name them. */
  public String describe(Entry entry) {
    return resourceDescription + ", entry " + PyLiteral.repr(entry.name());
  }

  /**
   * The absolute offset of the entry's first byte, after its local file header. The name and extra field lengths
   * come from the local header, which may differ from the central directory's (numpy's local headers carry a
   * ZIP64 extra field that its central records lack).
   */
  public long dataOffset(Entry entry) throws IOException {
    String where = describe(entry);
    long header = entry.localHeaderOffset();
    if (header > centralDirectoryStart - LOCAL_SIZE) {
      throw new NpyFormatException(where, "local header offset " + header + " lies beyond the entries, which end at "
          + centralDirectoryStart);
    }
    byte[] fixed = new byte[LOCAL_SIZE];
    archive.readFully(header, fixed, 0, LOCAL_SIZE);
    ByteBuffer local = ByteBuffer.wrap(fixed).order(ByteOrder.LITTLE_ENDIAN);
    if (local.getInt(0) != LOCAL_SIGNATURE) {
      throw new NpyFormatException(where, "no local file header at offset " + header + ": the archive is corrupt");
    }
    int nameLength = local.getShort(26) & 0xFFFF;
    int extraLength = local.getShort(28) & 0xFFFF;
    long dataOffset = header + LOCAL_SIZE + nameLength + extraLength;
    if (dataOffset > centralDirectoryStart || entry.compressedSize() > centralDirectoryStart - dataOffset) {
      throw new NpyFormatException(where, entry.compressedSize() + " bytes of data at offset " + dataOffset
          + " run into the central directory at " + centralDirectoryStart + ": the archive is truncated or corrupt");
    }
    byte[] variable = new byte[nameLength + extraLength];
    archive.readFully(header + LOCAL_SIZE, variable, 0, variable.length);
    int flags = local.getShort(6) & 0xFFFF;
    String localName = decodeName(variable, 0, nameLength, flags, where);
    if (!localName.equals(entry.name())) {
      throw new NpyFormatException(where, "the local header names the entry " + PyLiteral.repr(localName)
          + ": the archive is corrupt");
    }
    if ((flags & FLAG_DATA_DESCRIPTOR) == 0) {
      long compressed = local.getInt(18) & U32_MAX;
      long uncompressed = local.getInt(22) & U32_MAX;
      ByteBuffer extra = ByteBuffer.wrap(variable, nameLength, extraLength).slice().order(ByteOrder.LITTLE_ENDIAN);
      long[] sizes = zip64Values(extra, new long[] {uncompressed, compressed}, where);
      boolean known = sizes[0] != 0 || sizes[1] != 0;
      if (known && (sizes[0] != entry.uncompressedSize() || sizes[1] != entry.compressedSize())) {
        throw new NpyFormatException(where, "the local header gives sizes " + sizes[1] + "/" + sizes[0]
            + " but the central directory " + entry.compressedSize() + "/" + entry.uncompressedSize()
            + " (compressed/uncompressed): the archive is corrupt");
      }
    }
    return dataOffset;
  }

  /**
   * The entry's content, inflated if it is deflated. At its end the stream checks the length and CRC-32 the
   * directory gives, so a corrupt entry fails rather than reads short or wrong.
   */
  public InputStream openEntry(Entry entry) throws IOException {
    String where = describe(entry);
    if (entry.isEncrypted()) {
      throw new NpyFormatException(where, "the entry is encrypted");
    }
    if (entry.method() != STORED && entry.method() != DEFLATED) {
      throw new NpyFormatException(where, "compression method " + entry.method()
          + " is not supported; numpy writes stored (0) or deflated (8) entries");
    }
    if (!entry.isStored() && entry.uncompressedSize() > maxInflatedSize(entry.compressedSize())) {
      // checked before the claim decides anything: a reader sizes buffers from the header inside
      throw new NpyFormatException(where, "the directory claims " + entry.uncompressedSize() + " bytes from "
          + entry.compressedSize() + " compressed bytes, more than deflate can produce (at most " + MAX_DEFLATE_RATIO
          + " to 1): the archive is corrupt");
    }
    InputStream raw = archive.openStream(dataOffset(entry), entry.compressedSize());
    return new EntryInputStream(entry.isStored() ? raw : new RawInflaterInputStream(raw), entry, where);
  }

  /** The most bytes {@code compressedSize} bytes of deflate data can inflate to, with room for block overhead. */
  private static long maxInflatedSize(long compressedSize) {
    return compressedSize > (Long.MAX_VALUE - 1024) / MAX_DEFLATE_RATIO ? Long.MAX_VALUE
        : compressedSize * MAX_DEFLATE_RATIO + 1024;
  }

  /** Counts and checksums what it reads, and turns the inflater's bare errors into errors naming the entry. */
  private static final class EntryInputStream extends InputStream {
    private final InputStream source;
    private final Entry entry;
    private final String where;
    private final CRC32 crc = new CRC32();
    private final byte[] one = new byte[1];
    private long count;
    private boolean verified;

    EntryInputStream(InputStream source, Entry entry, String where) {
      this.source = source;
      this.entry = entry;
      this.where = where;
    }

    @Override
    public int read() throws IOException {
      int n = read(one, 0, 1);
      return n < 0 ? -1 : one[0] & 0xFF;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      int n;
      try {
        n = source.read(b, off, len);
      } catch (NpyFormatException e) {
        throw e;
      } catch (IOException e) {
        throw new NpyFormatException(where, "cannot read the entry, the archive is corrupt: " + e.getMessage(), e);
      }
      if (n < 0) {
        verify();
        return -1;
      }
      count += n;
      crc.update(b, off, n);
      if (count > entry.uncompressedSize()) {
        throw new NpyFormatException(where, "the entry holds more than the " + entry.uncompressedSize()
            + " bytes its directory record gives: the archive is corrupt");
      }
      return n;
    }

    private void verify() throws NpyFormatException {
      if (verified) {
        return;
      }
      verified = true;
      if (count != entry.uncompressedSize()) {
        throw new NpyFormatException(where, "the entry holds " + count + " bytes, not the "
            + entry.uncompressedSize() + " its directory record gives: the archive is truncated or corrupt");
      }
      if (crc.getValue() != entry.crc32()) {
        throw new NpyFormatException(where, "the entry fails its CRC-32 check: the archive is corrupt");
      }
    }

    @Override
    public void close() throws IOException {
      source.close();
    }
  }

  /**
   * Inflates raw deflate data as zip entries hold it, ending its inflater on close (an InflaterInputStream does not
   * end one it was given) and feeding the one dummy byte that raw inflation may need at the end, as
   * {@link java.util.zip.ZipFile} does.
   */
  private static final class RawInflaterInputStream extends InflaterInputStream {
    private boolean inputExhausted;

    RawInflaterInputStream(InputStream in) {
      super(in, new Inflater(true), 64 << 10);
    }

    @Override
    protected void fill() throws IOException {
      if (inputExhausted) {
        throw new EOFException("unexpected end of the deflated data");
      }
      len = in.read(buf, 0, buf.length);
      if (len == -1) {
        buf[0] = 0;
        len = 1;
        inputExhausted = true;
      }
      inf.setInput(buf, 0, len);
    }

    @Override
    public void close() throws IOException {
      try {
        super.close();
      } finally {
        inf.end();
      }
    }
  }

  /**
   * Replaces the values that are {@code 0xFFFFFFFF} in {@code values} (in ZIP64 order: uncompressed size,
   * compressed size, local header offset) with the 64-bit values of the ZIP64 extra field in {@code extra}.
   */
  private static long[] zip64Values(ByteBuffer extra, long[] values, String where) throws NpyFormatException {
    long[] result = values.clone();
    while (extra.remaining() >= 4) {
      int id = extra.getShort() & 0xFFFF;
      int length = extra.getShort() & 0xFFFF;
      if (length > extra.remaining()) {
        throw new NpyFormatException(where, "an extra field of " + length + " bytes runs past its record");
      }
      ByteBuffer data = extra.slice(extra.position(), length).order(ByteOrder.LITTLE_ENDIAN);
      extra.position(extra.position() + length);
      if (id != ZIP64_EXTRA_ID) {
        continue;
      }
      for (int i = 0; i < result.length; i++) {
        if (result[i] == U32_MAX) {
          if (data.remaining() < 8) {
            throw new NpyFormatException(where, "the ZIP64 extra field is too short for the sizes it must give");
          }
          result[i] = data.getLong();
          if (result[i] < 0) {
            throw new NpyFormatException(where, "a ZIP64 size or offset is beyond 2^63");
          }
        }
      }
    }
    return result;
  }

  private static String decodeName(byte[] bytes, int offset, int length, int flags, String where)
      throws NpyFormatException {
    if ((flags & FLAG_UTF8) == 0) {
      return new String(bytes, offset, length, CP437); // the zip default, as Python's zipfile decodes it
    }
    try {
      return StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(bytes, offset, length))
          .toString();
    } catch (CharacterCodingException e) {
      throw new NpyFormatException(where, "an entry name flagged as UTF-8 is not valid UTF-8", e);
    }
  }

  /** Finds the end records and reads the central directory. */
  private static final class DirectoryParser {
    private final PositionalReader archive;
    private final String where;
    private final long size;

    DirectoryParser(PositionalReader archive, String where) throws IOException {
      this.archive = archive;
      this.where = where;
      this.size = archive.size();
    }

    NpzDirectory parse() throws IOException {
      if (size < EOCD_SIZE) {
        throw new NpyFormatException(where, "not a zip archive: " + size + " bytes is shorter than a zip end record");
      }
      long eocd = findEndRecord();
      ByteBuffer end = read(eocd, EOCD_SIZE);
      long diskNumber = end.getShort(4) & 0xFFFF;
      long directoryDisk = end.getShort(6) & 0xFFFF;
      long entryCount = end.getShort(10) & 0xFFFF;
      long directorySize = end.getInt(12) & U32_MAX;
      long directoryOffset = end.getInt(16) & U32_MAX;
      long directoryEnd = eocd;

      long zip64Record = findZip64Record(eocd);
      if (zip64Record >= 0) {
        ByteBuffer record = read(zip64Record, ZIP64_EOCD_SIZE);
        diskNumber = record.getInt(16) & U32_MAX;
        directoryDisk = record.getInt(20) & U32_MAX;
        entryCount = record.getLong(32);
        directorySize = record.getLong(40);
        directoryOffset = record.getLong(48);
        directoryEnd = zip64Record;
        if (entryCount < 0 || directorySize < 0 || directoryOffset < 0) {
          throw new NpyFormatException(where, "the ZIP64 end record holds values beyond 2^63: the archive is corrupt");
        }
      }
      if (diskNumber != 0 || directoryDisk != 0) {
        throw new NpyFormatException(where, "multi-volume zip archives are not supported");
      }
      if (directorySize > directoryEnd || directoryOffset > directoryEnd - directorySize) {
        throw new NpyFormatException(where, "the central directory (" + directorySize + " bytes at offset "
            + directoryOffset + ") runs past its end record at " + directoryEnd
            + ": the archive is truncated or corrupt");
      }
      // bytes before the first entry (a prepended stub) shift every offset, as in Python's zipfile
      long shift = directoryEnd - directorySize - directoryOffset;
      long directoryStart = directoryOffset + shift;
      if (directorySize > MAX_CENTRAL_DIRECTORY_BYTES) {
        throw new NpyFormatException(where, "central directory of " + directorySize + " bytes exceeds the limit of "
            + MAX_CENTRAL_DIRECTORY_BYTES + " bytes");
      }
      if (entryCount > directorySize / CENTRAL_SIZE) {
        throw new NpyFormatException(where, "the end record claims " + entryCount + " entries, more than the "
            + directorySize + "-byte central directory can hold: the archive is corrupt");
      }
      ByteBuffer directory = read(directoryStart, (int) directorySize);
      List<Entry> entries = new ArrayList<>((int) entryCount);
      while (directory.remaining() > 0) {
        entries.add(parseCentralRecord(directory, shift, directoryStart));
      }
      return new NpzDirectory(archive, where, Collections.unmodifiableList(entries), directoryStart);
    }

    /** The end of central directory record: the last signature whose comment reaches the end of the file. */
    private long findEndRecord() throws IOException {
      int tailLength = (int) Math.min(size, EOCD_SIZE + MAX_COMMENT);
      long tailStart = size - tailLength;
      ByteBuffer tail = read(tailStart, tailLength);
      int fallback = -1;
      for (int p = tailLength - EOCD_SIZE; p >= 0; p--) {
        if (tail.getInt(p) != EOCD_SIGNATURE) {
          continue;
        }
        int commentLength = tail.getShort(p + 20) & 0xFFFF;
        if (p + EOCD_SIZE + commentLength == tailLength) {
          return tailStart + p;
        }
        if (fallback < 0 && p + EOCD_SIZE + commentLength <= tailLength) {
          fallback = p;
        }
      }
      if (fallback < 0) {
        throw new NpyFormatException(where, "not a zip archive: no end of central directory record");
      }
      return tailStart + fallback;
    }

    /** The ZIP64 end record, or -1 when there is no ZIP64 locator before the end record. */
    private long findZip64Record(long eocd) throws IOException {
      if (eocd < ZIP64_LOCATOR_SIZE) {
        return -1;
      }
      ByteBuffer locator = read(eocd - ZIP64_LOCATOR_SIZE, ZIP64_LOCATOR_SIZE);
      if (locator.getInt(0) != ZIP64_LOCATOR_SIGNATURE) {
        return -1;
      }
      if ((locator.getInt(16) & U32_MAX) > 1) {
        throw new NpyFormatException(where, "multi-volume zip archives are not supported");
      }
      // Python's zipfile looks right before the locator; the offset the locator gives is the fallback
      long adjacent = eocd - ZIP64_LOCATOR_SIZE - ZIP64_EOCD_SIZE;
      long stated = locator.getLong(8);
      for (long candidate : new long[] {adjacent, stated}) {
        if (candidate >= 0 && candidate <= eocd - ZIP64_LOCATOR_SIZE - ZIP64_EOCD_SIZE
            && read(candidate, 4).getInt(0) == ZIP64_EOCD_SIGNATURE) {
          return candidate;
        }
      }
      throw new NpyFormatException(where, "the ZIP64 locator points to no ZIP64 end record: the archive is corrupt");
    }

    private Entry parseCentralRecord(ByteBuffer directory, long shift, long directoryStart)
        throws NpyFormatException {
      int start = directory.position();
      if (directory.remaining() < CENTRAL_SIZE || directory.getInt(start) != CENTRAL_SIGNATURE) {
        throw new NpyFormatException(where, "bad central directory record at offset " + (directoryStart + start)
            + ": the archive is corrupt");
      }
      int flags = directory.getShort(start + 8) & 0xFFFF;
      int method = directory.getShort(start + 10) & 0xFFFF;
      long crc = directory.getInt(start + 16) & U32_MAX;
      long compressed = directory.getInt(start + 20) & U32_MAX;
      long uncompressed = directory.getInt(start + 24) & U32_MAX;
      int nameLength = directory.getShort(start + 28) & 0xFFFF;
      int extraLength = directory.getShort(start + 30) & 0xFFFF;
      int commentLength = directory.getShort(start + 32) & 0xFFFF;
      long localHeader = directory.getInt(start + 42) & U32_MAX;
      int recordLength = CENTRAL_SIZE + nameLength + extraLength + commentLength;
      if (recordLength > directory.remaining()) {
        throw new NpyFormatException(where, "central directory record at offset " + (directoryStart + start)
            + " runs past the directory: the archive is corrupt");
      }
      byte[] nameBytes = new byte[nameLength];
      directory.get(start + CENTRAL_SIZE, nameBytes);
      String name = decodeName(nameBytes, 0, nameLength, flags, where);
      String entryWhere = where + ", entry " + PyLiteral.repr(name);
      ByteBuffer extra = directory.slice(start + CENTRAL_SIZE + nameLength, extraLength).order(ByteOrder.LITTLE_ENDIAN);
      long[] values = zip64Values(extra, new long[] {uncompressed, compressed, localHeader}, entryWhere);
      uncompressed = values[0];
      compressed = values[1];
      localHeader = values[2];
      if (localHeader > directoryStart - shift - LOCAL_SIZE) {
        throw new NpyFormatException(entryWhere, "local header offset " + localHeader
            + " lies beyond the entries: the archive is corrupt");
      }
      localHeader += shift;
      if (compressed > directoryStart - localHeader - LOCAL_SIZE) {
        throw new NpyFormatException(entryWhere, "its " + compressed + " bytes at offset " + localHeader
            + " run into the central directory: the archive is truncated or corrupt");
      }
      if (method == STORED && compressed != uncompressed) {
        throw new NpyFormatException(entryWhere, "a stored entry of " + compressed + " bytes claims "
            + uncompressed + " uncompressed bytes: the archive is corrupt");
      }
      directory.position(start + recordLength);
      return new Entry(name, method, flags, crc, compressed, uncompressed, localHeader);
    }

    private ByteBuffer read(long position, int length) throws IOException {
      byte[] bytes = new byte[length];
      archive.readFully(position, bytes, 0, length);
      return ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    }
  }
}
