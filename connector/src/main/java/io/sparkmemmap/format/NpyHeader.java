package io.sparkmemmap.format;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.Charset;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * The header of a {@code .npy} file: format version, dtype, memory order and shape, and where the data starts.
 *
 * <p>{@link #read} is as lenient as NumPy's reader (16-byte alignment of numpy before 1.14, headers without growth
 * space, Python 2's {@code 3L}, keys in any order, {@code '=f4'} or {@code 'float32'} as descr) and as strict about
 * structure (exactly the keys {@code descr}, {@code fortran_order} and {@code shape}). {@link #encode} writes
 * byte for byte what NumPy 2's {@code np.save} writes.
 *
 * <p>Header size bound: numpy refuses headers over 10000 bytes because its {@code ast.literal_eval} is not safe on
 * large input. The parser here is linear and depth-bounded, so the bound only caps memory: by default
 * {@value #DEFAULT_MAX_HEADER_BYTES} bytes, enough for structured dtypes of tens of thousands of fields (numpy writes
 * format 2.0 for headers over 64 KiB).
 *
 * @param version the format version; 3.0 headers are UTF-8, older ones latin-1
 * @param dtype the element type
 * @param fortranOrder whether the data is in column-major order
 * @param shape the array shape
 * @param dataOffset bytes from the start of the header (the magic string) to the first data byte
 */
public record NpyHeader(Version version, DType dtype, boolean fortranOrder, Shape shape, long dataOffset) {

  /** Default bound on the header length read by {@link #read(InputStream, String)}. */
  public static final int DEFAULT_MAX_HEADER_BYTES = 1 << 20;

  private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
  private static final int ARRAY_ALIGN = 64;
  /** numpy leaves room for this many digits in the growth axis, so the shape can be rewritten in place. */
  private static final int GROWTH_AXIS_MAX_DIGITS = 21;
  private static final Set<String> KEYS = Set.of("descr", "fortran_order", "shape");

  /** The {@code .npy} format versions. */
  public enum Version {
    V1_0(1, 0, 2, StandardCharsets.ISO_8859_1),
    V2_0(2, 0, 4, StandardCharsets.ISO_8859_1),
    V3_0(3, 0, 4, StandardCharsets.UTF_8);

    private final int major;
    private final int minor;
    private final int lengthBytes;
    private final Charset charset;

    Version(int major, int minor, int lengthBytes, Charset charset) {
      this.major = major;
      this.minor = minor;
      this.lengthBytes = lengthBytes;
      this.charset = charset;
    }

    public int major() {
      return major;
    }

    public int minor() {
      return minor;
    }

    /** Magic string, version bytes and header length field: the bytes before the header text. */
    public int prefixLength() {
      return MAGIC.length + 2 + lengthBytes;
    }

    /** The largest header length the length field can hold. */
    long maxHeaderLength() {
      return lengthBytes == 2 ? 0xFFFFL : 0xFFFF_FFFFL;
    }

    Charset charset() {
      return charset;
    }

    static Optional<Version> of(int major, int minor) {
      return Arrays.stream(values()).filter(v -> v.major == major && v.minor == minor).findFirst();
    }

    @Override
    public String toString() {
      return major + "." + minor;
    }
  }

  public NpyHeader {
    if (version == null || dtype == null || shape == null) {
      throw new IllegalArgumentException("version, dtype and shape are required");
    }
    long headerLength = dataOffset - version.prefixLength();
    if (headerLength < 0 || headerLength > version.maxHeaderLength()) {
      throw new IllegalArgumentException(
          "data offset " + dataOffset + " does not fit a version " + version + " header");
    }
  }

  /** Bytes of data the header describes: the element count times the item size. */
  public long dataLength() {
    return shape.byteCount(dtype.itemSize());
  }

  /** Reads a header, bounded to {@link #DEFAULT_MAX_HEADER_BYTES}; the stream is left at the first data byte. */
  public static NpyHeader read(InputStream in, String resourceDescription) throws IOException {
    return read(in, resourceDescription, DEFAULT_MAX_HEADER_BYTES);
  }

  /**
   * Reads a header from {@code in}, which must be at the magic string; on return the stream is at the first data
   * byte. Every problem is an {@link NpyFormatException} naming {@code resourceDescription}.
   *
   * @param maxHeaderBytes the longest header text accepted, at most 16 MiB
   */
  public static NpyHeader read(InputStream in, String resourceDescription, int maxHeaderBytes) throws IOException {
    if (maxHeaderBytes < 0 || maxHeaderBytes > PyLiteral.MAX_LENGTH) {
      throw new IllegalArgumentException(
          "maxHeaderBytes must be between 0 and " + PyLiteral.MAX_LENGTH + ", not " + maxHeaderBytes);
    }
    byte[] lead = in.readNBytes(MAGIC.length + 2);
    if (lead.length == 0) {
      throw new NpyFormatException(resourceDescription, "not a .npy file: it is empty");
    }
    int magicSeen = Math.min(lead.length, MAGIC.length);
    if (!Arrays.equals(lead, 0, magicSeen, MAGIC, 0, magicSeen)) {
      throw new NpyFormatException(resourceDescription, "not a .npy file: it starts with "
          + bytesRepr(lead, MAGIC.length) + " instead of the magic string " + bytesRepr(MAGIC, MAGIC.length));
    }
    if (lead.length < MAGIC.length + 2) {
      throw new NpyFormatException(resourceDescription,
          "truncated .npy file: it ends after " + lead.length + " bytes, inside the magic string and version");
    }
    int major = lead[MAGIC.length] & 0xFF;
    int minor = lead[MAGIC.length + 1] & 0xFF;
    Version version = Version.of(major, minor).orElseThrow(() -> new NpyFormatException(resourceDescription,
        "unsupported .npy format version " + major + "." + minor + " (supported: 1.0, 2.0, 3.0)"));

    byte[] lengthField = in.readNBytes(version.lengthBytes);
    if (lengthField.length < version.lengthBytes) {
      throw new NpyFormatException(resourceDescription, "truncated .npy file: it ends inside the header length field");
    }
    long headerLength = version.lengthBytes == 2
        ? ByteBuffer.wrap(lengthField).order(ByteOrder.LITTLE_ENDIAN).getShort() & 0xFFFFL
        : ByteBuffer.wrap(lengthField).order(ByteOrder.LITTLE_ENDIAN).getInt() & 0xFFFF_FFFFL;
    if (headerLength > maxHeaderBytes) {
      throw new NpyFormatException(resourceDescription, "header of " + headerLength
          + " bytes exceeds the limit of " + maxHeaderBytes + " bytes; the file is corrupt or not a plain array");
    }
    byte[] headerBytes = in.readNBytes((int) headerLength);
    if (headerBytes.length < headerLength) {
      throw new NpyFormatException(resourceDescription, "truncated .npy file: the header should be " + headerLength
          + " bytes but the file ends after " + headerBytes.length);
    }
    String text = decode(headerBytes, version, resourceDescription);
    long dataOffset = version.prefixLength() + headerLength;
    return parseHeaderText(text, version, dataOffset, resourceDescription);
  }

  private static String decode(byte[] bytes, Version version, String resourceDescription) throws NpyFormatException {
    try {
      return version.charset().newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(bytes))
          .toString();
    } catch (CharacterCodingException e) {
      throw new NpyFormatException(resourceDescription, "version " + version + " header is not valid "
          + version.charset().name(), e);
    }
  }

  private static NpyHeader parseHeaderText(String text, Version version, long dataOffset, String resource)
      throws NpyFormatException {
    Object literal;
    try {
      literal = PyLiteral.parse(text);
    } catch (IllegalArgumentException e) {
      throw new NpyFormatException(resource, "malformed header: " + e.getMessage(), e);
    }
    if (!(literal instanceof Map<?, ?> dict)) {
      throw new NpyFormatException(resource, "malformed header: not a dict but " + abbreviate(PyLiteral.repr(literal)));
    }
    if (!dict.keySet().equals(KEYS)) {
      Set<String> missing = new TreeSet<>(KEYS);
      missing.removeAll(dict.keySet());
      Set<Object> extra = new TreeSet<>(dict.keySet());
      extra.removeAll(KEYS);
      throw new NpyFormatException(resource, "malformed header: it must hold exactly the keys 'descr', "
          + "'fortran_order' and 'shape'" + (missing.isEmpty() ? "" : "; missing " + missing)
          + (extra.isEmpty() ? "" : "; unexpected " + extra));
    }
    if (!(dict.get("fortran_order") instanceof Boolean fortranOrder)) {
      throw new NpyFormatException(resource, "malformed header: fortran_order is not True or False but "
          + abbreviate(PyLiteral.repr(dict.get("fortran_order"))));
    }
    Shape shape = shapeOf(dict.get("shape"), resource);
    DType dtype;
    try {
      dtype = NumpyDescr.fromLiteral(dict.get("descr"));
    } catch (IllegalArgumentException e) {
      throw new NpyFormatException(resource, "unsupported or invalid descr in header: " + e.getMessage(), e);
    }
    NpyHeader header = new NpyHeader(version, dtype, fortranOrder, shape, dataOffset);
    try {
      Math.addExact(dataOffset, header.dataLength());
    } catch (IllegalArgumentException | ArithmeticException e) {
      throw new NpyFormatException(resource, "shape " + shape + " of " + dtype.itemSize()
          + "-byte items describes more bytes than a file can hold", e);
    }
    return header;
  }

  private static Shape shapeOf(Object literal, String resource) throws NpyFormatException {
    if (!(literal instanceof PyLiteral.Tuple tuple) || !tuple.items().stream().allMatch(d -> d instanceof Long)) {
      throw new NpyFormatException(resource,
          "malformed header: shape is not a tuple of integers but " + abbreviate(PyLiteral.repr(literal)));
    }
    long[] dims = tuple.items().stream().mapToLong(d -> (Long) d).toArray();
    try {
      return Shape.of(dims);
    } catch (IllegalArgumentException e) {
      throw new NpyFormatException(resource, "invalid shape in header: " + e.getMessage(), e);
    }
  }

  /**
   * The header bytes NumPy 2's {@code np.save} writes for an array: magic, the oldest version that can hold the
   * header (1.0; 2.0 over 64 KiB; 3.0 when it is not latin-1), the dict with sorted keys, growth space for
   * {@value #GROWTH_AXIS_MAX_DIGITS} digits in axis 0 (the last axis in Fortran order), and padding that aligns the
   * data to 64 bytes.
   *
   * @throws IllegalArgumentException for the object dtype, whose data numpy pickles, and for dtypes numpy has no
   *     descr for
   */
  public static byte[] encode(DType dtype, boolean fortranOrder, Shape shape) {
    if (dtype.containsObject()) {
      throw new IllegalArgumentException("the object dtype has no byte layout that a .npy file can hold");
    }
    String text = dictText(dtype, fortranOrder, shape);
    if (shape.rank() > 0) {
      long growthDim = shape.dim(fortranOrder ? shape.rank() - 1 : 0);
      text += " ".repeat(GROWTH_AXIS_MAX_DIGITS - Long.toString(growthDim).length());
    }
    if (!isLatin1(text)) {
      byte[] utf8 = text.getBytes(StandardCharsets.UTF_8);
      return wrap(utf8, Version.V3_0, paddedLength(utf8.length, Version.V3_0));
    }
    byte[] bytes = text.getBytes(StandardCharsets.ISO_8859_1);
    long v1Length = paddedLength(bytes.length, Version.V1_0);
    if (v1Length <= Version.V1_0.maxHeaderLength()) {
      return wrap(bytes, Version.V1_0, v1Length);
    }
    return wrap(bytes, Version.V2_0, paddedLength(bytes.length, Version.V2_0));
  }

  /**
   * This header with another shape, in exactly {@link #dataOffset()} bytes, so that it can overwrite the old one
   * without moving the data: what appending rows needs. Empty when the new header text does not fit the room the
   * old one had (numpy's growth space leaves room for the growth axis to reach 21 digits).
   */
  public Optional<byte[]> encodeInPlace(Shape newShape) {
    String text = dictText(dtype, fortranOrder, newShape);
    if (version.charset() == StandardCharsets.ISO_8859_1 && !isLatin1(text)) {
      return Optional.empty();
    }
    byte[] bytes = text.getBytes(version.charset());
    long headerLength = dataOffset - version.prefixLength();
    if (bytes.length + 1L > headerLength) {
      return Optional.empty();
    }
    return Optional.of(wrap(bytes, version, headerLength));
  }

  private static String dictText(DType dtype, boolean fortranOrder, Shape shape) {
    return "{'descr': " + NumpyDescr.toDescr(dtype) + ", 'fortran_order': " + (fortranOrder ? "True" : "False")
        + ", 'shape': " + shape + ", }";
  }

  /** Header length with numpy's padding: a final newline, then 1 to 64 spaces before it so data is 64-aligned. */
  private static long paddedLength(long textBytes, Version version) {
    long withNewline = textBytes + 1;
    return withNewline + ARRAY_ALIGN - ((version.prefixLength() + withNewline) % ARRAY_ALIGN);
  }

  /** Magic, version, length field, text, spaces and the final newline, {@code headerLength} bytes after the prefix. */
  private static byte[] wrap(byte[] text, Version version, long headerLength) {
    if (headerLength > version.maxHeaderLength()) {
      throw new IllegalArgumentException(
          "header of " + headerLength + " bytes is too long for .npy version " + version);
    }
    long total = version.prefixLength() + headerLength;
    if (total > Integer.MAX_VALUE - 8) {
      throw new IllegalArgumentException("header of " + headerLength + " bytes is too long to build in memory");
    }
    ByteBuffer out = ByteBuffer.allocate((int) total).order(ByteOrder.LITTLE_ENDIAN);
    out.put(MAGIC).put((byte) version.major).put((byte) version.minor);
    if (version.lengthBytes == 2) {
      out.putShort((short) headerLength);
    } else {
      out.putInt((int) headerLength);
    }
    out.put(text);
    while (out.position() < total - 1) {
      out.put((byte) ' ');
    }
    out.put((byte) '\n');
    return out.array();
  }

  private static boolean isLatin1(String text) {
    return text.chars().allMatch(c -> c <= 0xFF);
  }

  /** Python's repr of the first {@code max} bytes, for messages about what a file starts with. */
  private static String bytesRepr(byte[] bytes, int max) {
    StringBuilder sb = new StringBuilder("b'");
    for (int i = 0; i < Math.min(bytes.length, max); i++) {
      int b = bytes[i] & 0xFF;
      if (b >= 0x20 && b < 0x7f && b != '\'' && b != '\\') {
        sb.append((char) b);
      } else {
        sb.append(String.format("\\x%02x", b));
      }
    }
    return sb.append('\'').toString();
  }

  private static String abbreviate(String text) {
    return text.length() > 200 ? text.substring(0, 200) + "..." : text;
  }
}
