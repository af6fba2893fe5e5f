package io.sparkmemmap.format.megatron;

import io.sparkmemmap.format.PositionalReader;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * The {@code .idx} file of a Megatron-LM indexed dataset, as Megatron's {@code _IndexWriter} writes it and its
 * {@code _IndexReader} reads it ({@code megatron/core/datasets/indexed_dataset.py}):
 *
 * <pre>
 *   9 bytes   magic "MMIDIDX\0\0"
 *   &lt;Q       version, 1
 *   &lt;B       dtype code ({@link MegatronDType})
 *   &lt;Q       sequence count S
 *   &lt;Q       document count D (documents + 1)
 *   int32[S]  sequence lengths, in tokens
 *   int64[S]  sequence pointers, byte offsets into the .bin: the running sum of lengths times the item size
 *   int64[D]  document indices: sequence index where each document starts, from 0, non-decreasing, ending at S
 *   int8[S]   sequence modes, only in multimodal datasets
 * </pre>
 *
 * All little-endian, with no padding: the int64 arrays start at {@code 34 + 4S}, which is 8-byte aligned only when S
 * is odd, so nothing here maps them as aligned longs.
 *
 * <p>This holds the header and where each array lies, not the arrays: a dataset of a billion sequences has a
 * 12 GB index, so {@link #read} reads 34 bytes and checks the counts against the file size, the {@code read*}
 * methods read a slice (what one Spark task needs), and {@link #validate} checks the arrays in one pass of bounded
 * chunks. The reader is passed to each call rather than kept, so that an instance can be sent to executors, each
 * with its own open file.
 *
 * <p>Whether modes are present is not in the header (Megatron's reader takes it as a constructor argument); here it
 * follows from the file size, which then must be exactly the size with or without the S mode bytes. With S = 0 the
 * two are the same and the index reads as without modes.
 */
public final class MegatronIndex implements java.io.Serializable {
  private static final long serialVersionUID = 1L;

  /** Megatron's {@code _INDEX_HEADER}. */
  static final byte[] MAGIC = {'M', 'M', 'I', 'D', 'I', 'D', 'X', 0, 0};
  /** The only version Megatron writes or reads. */
  public static final long VERSION = 1;
  /** Magic, version, dtype code and the two counts: where the sequence lengths start. */
  public static final int HEADER_LENGTH = MAGIC.length + 8 + 1 + 8 + 8;
  /**
   * Entries per read in {@link #validate}: 64 Ki entries is 768 KiB of lengths and pointers, small enough for any
   * executor and large enough that each positioned read costs little next to its bytes.
   */
  static final int CHUNK_ENTRIES = 1 << 16;

  private final String resource;
  private final MegatronDType dtype;
  private final long sequenceCount;
  private final long documentCount;
  private final boolean hasModes;
  private final long fileSize;

  private MegatronIndex(String resource, MegatronDType dtype, long sequenceCount, long documentCount,
      boolean hasModes, long fileSize) {
    this.resource = resource;
    this.dtype = dtype;
    this.sequenceCount = sequenceCount;
    this.documentCount = documentCount;
    this.hasModes = hasModes;
    this.fileSize = fileSize;
  }

  /**
   * Reads the header of the {@code .idx} file behind {@code reader} and checks it: magic, version, dtype code, and
   * the counts against the file size. The arrays are not read; see {@link #validate}.
   *
   * @param resource the file, for messages
   * @throws MegatronFormatException when the header is not Megatron's or the counts disagree with the size
   */
  public static MegatronIndex read(PositionalReader reader, String resource) throws IOException {
    long size = reader.size();
    if (size < HEADER_LENGTH) {
      throw new MegatronFormatException(resource, "not a Megatron .idx file: it has " + size
          + " bytes, fewer than the " + HEADER_LENGTH + " of the header");
    }
    byte[] header = new byte[HEADER_LENGTH];
    reader.readFully(0, header, 0, HEADER_LENGTH);
    if (!Arrays.equals(header, 0, MAGIC.length, MAGIC, 0, MAGIC.length)) {
      throw new MegatronFormatException(resource, "not a Megatron .idx file: it starts with "
          + printable(header, MAGIC.length) + ", not MMIDIDX\\x00\\x00");
    }
    ByteBuffer in = ByteBuffer.wrap(header, MAGIC.length, HEADER_LENGTH - MAGIC.length)
        .order(ByteOrder.LITTLE_ENDIAN);
    long version = in.getLong();
    if (version != VERSION) {
      throw new MegatronFormatException(resource, "unsupported Megatron .idx version "
          + Long.toUnsignedString(version) + "; only version " + VERSION + " exists");
    }
    int code = Byte.toUnsignedInt(in.get());
    MegatronDType dtype;
    try {
      dtype = MegatronDType.ofCode(code);
    } catch (IllegalArgumentException e) {
      throw new MegatronFormatException(resource, e.getMessage(), e);
    }
    long sequenceCount = in.getLong();
    long documentCount = in.getLong();
    if (documentCount == 0) {
      throw new MegatronFormatException(resource, "document count is 0, but the document indices always hold at "
          + "least the leading 0");
    }
    // Counts are unsigned 64-bit on disk; any that overflow the sizes below cannot fit a file of this size.
    long withoutModes;
    long withModes;
    try {
      withoutModes = Math.addExact(HEADER_LENGTH, Math.addExact(Math.multiplyExact(sequenceCount, 12L),
          Math.multiplyExact(documentCount, 8L)));
      withModes = Math.addExact(withoutModes, sequenceCount);
    } catch (ArithmeticException e) {
      withoutModes = -1;
      withModes = -1;
    }
    if (sequenceCount < 0 || documentCount < 0 || withoutModes < 0) {
      throw new MegatronFormatException(resource, "sequence count " + Long.toUnsignedString(sequenceCount)
          + " and document count " + Long.toUnsignedString(documentCount) + " cannot fit in a file of " + size
          + " bytes");
    }
    boolean hasModes;
    if (size == withoutModes) {
      hasModes = false;
    } else if (size == withModes) {
      hasModes = true;
    } else {
      throw new MegatronFormatException(resource, "file has " + size + " bytes, but sequence count "
          + sequenceCount + " and document count " + documentCount + " make " + withoutModes + " bytes, or "
          + withModes + " with multimodal sequence modes");
    }
    return new MegatronIndex(resource, dtype, sequenceCount, documentCount, hasModes, size);
  }

  /** Reads the header ({@link #read}) and then checks the arrays ({@link #validate}) against {@code binSize}. */
  public static MegatronIndex readAndValidate(PositionalReader reader, String resource, long binSize)
      throws IOException {
    MegatronIndex index = read(reader, resource);
    index.validate(reader, binSize);
    return index;
  }

  /** The file, as given to {@link #read}; messages start with it. */
  public String resource() {
    return resource;
  }

  /** The token type of the {@code .bin} file. */
  public MegatronDType dtype() {
    return dtype;
  }

  /** The dtype code in the header. */
  public int dtypeCode() {
    return dtype.code();
  }

  /** Bytes per token in the {@code .bin} file. */
  public int itemSize() {
    return dtype.itemSize();
  }

  /** S: the number of sequences, and of lengths, pointers and (if present) modes. */
  public long sequenceCount() {
    return sequenceCount;
  }

  /** D: the number of document indices, one more than the number of documents. */
  public long documentCount() {
    return documentCount;
  }

  /** The number of documents, D - 1. */
  public long documents() {
    return documentCount - 1;
  }

  /** Whether the file holds the int8 sequence modes of a multimodal dataset. */
  public boolean hasModes() {
    return hasModes;
  }

  /** The size of the {@code .idx} file. */
  public long fileSize() {
    return fileSize;
  }

  /** Byte offset of the int32 sequence lengths in the {@code .idx}. */
  public long lengthsOffset() {
    return HEADER_LENGTH;
  }

  /** Byte offset of the int64 sequence pointers in the {@code .idx}. */
  public long pointersOffset() {
    return HEADER_LENGTH + 4 * sequenceCount;
  }

  /** Byte offset of the int64 document indices in the {@code .idx}. */
  public long documentIndicesOffset() {
    return HEADER_LENGTH + 12 * sequenceCount;
  }

  /**
   * Byte offset of the int8 sequence modes in the {@code .idx}: where they are when {@link #hasModes()}, and the end
   * of the file when not.
   */
  public long modesOffset() {
    return documentIndicesOffset() + 8 * documentCount;
  }

  /** Sequence lengths {@code [from, to)}, in tokens. */
  public int[] readLengths(PositionalReader reader, long from, long to) throws IOException {
    ByteBuffer bytes = readSlice(reader, "sequence lengths", lengthsOffset(), 4, sequenceCount, from, to);
    int[] out = new int[(int) (to - from)];
    bytes.asIntBuffer().get(out);
    return out;
  }

  /** Sequence pointers {@code [from, to)}: byte offsets of the sequences in the {@code .bin} file. */
  public long[] readPointers(PositionalReader reader, long from, long to) throws IOException {
    ByteBuffer bytes = readSlice(reader, "sequence pointers", pointersOffset(), 8, sequenceCount, from, to);
    long[] out = new long[(int) (to - from)];
    bytes.asLongBuffer().get(out);
    return out;
  }

  /** Document indices {@code [from, to)}, within {@code [0, D)}: the first sequence of each document, then S. */
  public long[] readDocumentIndices(PositionalReader reader, long from, long to) throws IOException {
    ByteBuffer bytes = readSlice(reader, "document indices", documentIndicesOffset(), 8, documentCount, from, to);
    long[] out = new long[(int) (to - from)];
    bytes.asLongBuffer().get(out);
    return out;
  }

  /**
   * Sequence modes {@code [from, to)}.
   *
   * @throws IllegalStateException when the file has no modes
   */
  public byte[] readModes(PositionalReader reader, long from, long to) throws IOException {
    if (!hasModes) {
      throw new IllegalStateException(resource + ": not a multimodal index, it has no sequence modes");
    }
    ByteBuffer bytes = readSlice(reader, "sequence modes", modesOffset(), 1, sequenceCount, from, to);
    byte[] out = new byte[(int) (to - from)];
    bytes.get(out);
    return out;
  }

  /**
   * Checks the arrays against each other and the {@code .bin} file, in one pass of bounded chunks: every length is
   * non-negative, every pointer is the running sum of the lengths before it times the item size (which is what
   * Megatron's reader trusts to find sequences, so a mismatch would read the wrong tokens), the document indices
   * start at 0, never decrease and end at S, and the lengths sum to {@code binSize} bytes.
   *
   * @param reader the same {@code .idx} file this was read from
   * @param binSize the size of the {@code .bin} file
   * @throws MegatronFormatException at the first inconsistency, naming the entry
   */
  public void validate(PositionalReader reader, long binSize) throws IOException {
    long binBytes = validateArrays(reader);
    if (binBytes != binSize) {
      throw new MegatronFormatException(resource, "the sequence lengths make " + binBytes + " bytes of "
          + dtype.name().toLowerCase(java.util.Locale.ROOT) + " tokens, but the .bin file has " + binSize + " bytes");
    }
  }

  /**
   * The checks of {@link #validate} but the {@code .bin} size, for when there is no {@code .bin} to compare with.
   *
   * @return the size the {@code .bin} file must have: the sum of the lengths times the item size
   */
  public long validateArrays(PositionalReader reader) throws IOException {
    long expectedPointer = 0;
    for (long start = 0; start < sequenceCount; start += CHUNK_ENTRIES) {
      long end = Math.min(sequenceCount, start + CHUNK_ENTRIES);
      int[] lengths = readLengths(reader, start, end);
      long[] pointers = readPointers(reader, start, end);
      for (int i = 0; i < lengths.length; i++) {
        long sequence = start + i;
        if (lengths[i] < 0) {
          throw new MegatronFormatException(resource, "sequence " + sequence + " has negative length " + lengths[i]);
        }
        if (pointers[i] != expectedPointer) {
          throw new MegatronFormatException(resource, "sequence " + sequence + " has pointer " + pointers[i]
              + ", but the lengths before it make " + expectedPointer + " bytes: pointers must be the running sum "
              + "of lengths times the item size " + itemSize());
        }
        try {
          expectedPointer = Math.addExact(expectedPointer, Math.multiplyExact((long) lengths[i], itemSize()));
        } catch (ArithmeticException e) {
          throw new MegatronFormatException(resource, "the sequence lengths up to sequence " + sequence
              + " make more than " + Long.MAX_VALUE + " bytes", e);
        }
      }
    }
    long previous = 0;
    for (long start = 0; start < documentCount; start += CHUNK_ENTRIES) {
      long end = Math.min(documentCount, start + CHUNK_ENTRIES);
      long[] documents = readDocumentIndices(reader, start, end);
      for (int i = 0; i < documents.length; i++) {
        long entry = start + i;
        long value = documents[i];
        if (entry == 0 && value != 0) {
          throw new MegatronFormatException(resource, "document indices start at " + value + ", not at 0");
        }
        if (value < previous) {
          throw new MegatronFormatException(resource, "document index " + entry + " is " + value
              + ", less than the " + previous + " before it: document indices must not decrease");
        }
        if (value > sequenceCount) {
          throw new MegatronFormatException(resource, "document index " + entry + " is " + value
              + ", past the sequence count " + sequenceCount);
        }
        previous = value;
      }
    }
    if (previous != sequenceCount) {
      throw new MegatronFormatException(resource, "document indices end at " + previous
          + ", not at the sequence count " + sequenceCount);
    }
    return expectedPointer;
  }

  private ByteBuffer readSlice(PositionalReader reader, String array, long arrayOffset, int itemBytes, long count,
      long from, long to) throws IOException {
    if (from < 0 || to < from || to > count) {
      throw new IndexOutOfBoundsException(resource + ": " + array + " [" + from + ", " + to + ") outside [0, "
          + count + ")");
    }
    long bytes = (to - from) * itemBytes;
    if (bytes > Integer.MAX_VALUE - 8) {
      throw new IllegalArgumentException(resource + ": " + array + " [" + from + ", " + to + ") is " + bytes
          + " bytes, too many for one array; read it in slices");
    }
    byte[] buffer = new byte[(int) bytes];
    reader.readFully(arrayOffset + from * itemBytes, buffer, 0, buffer.length);
    return ByteBuffer.wrap(buffer).order(ByteOrder.LITTLE_ENDIAN);
  }

  private static String printable(byte[] bytes, int length) {
    StringBuilder sb = new StringBuilder("b'");
    for (int i = 0; i < length; i++) {
      int b = Byte.toUnsignedInt(bytes[i]);
      if (b >= 0x20 && b < 0x7f && b != '\\' && b != '\'') {
        sb.append((char) b);
      } else {
        sb.append(String.format("\\x%02x", b));
      }
    }
    return sb.append('\'').toString();
  }

  @Override
  public String toString() {
    return "MegatronIndex[" + resource + ", " + dtype.name().toLowerCase(java.util.Locale.ROOT) + ", "
        + sequenceCount + " sequences, " + documents() + " documents" + (hasModes ? ", multimodal" : "") + "]";
  }
}
