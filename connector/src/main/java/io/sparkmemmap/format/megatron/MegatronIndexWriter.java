package io.sparkmemmap.format.megatron;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;

/**
 * Writes a Megatron-LM {@code .idx} file byte for byte as Megatron's {@code _IndexWriter.write} does (layout in
 * {@link MegatronIndex}), with the pointers computed here as the running sum of lengths times the item size, so that
 * a writer of the {@code .bin} only has to count tokens per sequence.
 *
 * <p>On a {@link FileChannel} it streams: {@link #open} writes the header for counts known in advance (a job commit
 * knows them from its tasks), then {@link #appendSequences} takes the lengths (and modes) in any number of chunks,
 * writing each chunk's lengths and pointers at their places, and {@link #appendDocumentIndices} the document indices,
 * so neither the lengths nor the pointers are ever held whole. An {@link OutputStream} cannot go back, and the
 * pointers come after all the lengths, so {@link #write(OutputStream, String, MegatronDType, int[], long[], byte[])} takes
 * the lengths as an array and encodes everything in bounded chunks.
 *
 * <p>The writer refuses what {@link MegatronIndex#validate} refuses (negative lengths, document indices that do not
 * start at 0, decrease or do not end at S, counts that do not add up), so that it cannot write an index the reader
 * would reject. A streaming writer that refused a chunk has written part of the index and is not to be used
 * again: the caller deletes the file, as a failed job commit does with its output.
 */
public final class MegatronIndexWriter {
  /** Entries encoded per write: bounded buffers whatever the number of sequences. */
  private static final int CHUNK_ENTRIES = 1 << 14;

  private final FileChannel channel;
  private final long start;
  private final String resource;
  private final MegatronDType dtype;
  private final long sequenceCount;
  private final long documentCount;
  private final boolean modes;

  private long sequencesWritten;
  private long nextPointer;
  private long documentsWritten;
  private long lastDocumentIndex;

  private MegatronIndexWriter(FileChannel channel, long start, String resource, MegatronDType dtype,
      long sequenceCount, long documentCount, boolean modes) {
    this.channel = channel;
    this.start = start;
    this.resource = resource;
    this.dtype = dtype;
    this.sequenceCount = sequenceCount;
    this.documentCount = documentCount;
    this.modes = modes;
  }

  /**
   * Starts an index at the channel's position, writing its header.
   *
   * @param resource the file, for messages
   * @param sequenceCount S, the number of lengths to come
   * @param documentCount D, the number of document indices to come: documents + 1
   * @param modes whether modes come with the lengths (a multimodal dataset)
   */
  public static MegatronIndexWriter open(FileChannel channel, String resource, MegatronDType dtype,
      long sequenceCount, long documentCount, boolean modes) throws IOException {
    if (sequenceCount < 0 || documentCount < 1) {
      throw new IllegalArgumentException(resource + ": sequence count " + sequenceCount + " and document count "
          + documentCount + ": S must be at least 0 and D at least 1, for the leading 0");
    }
    MegatronIndexWriter writer = new MegatronIndexWriter(channel, channel.position(), resource, dtype,
        sequenceCount, documentCount, modes);
    writer.writeAt(0, header(dtype, sequenceCount, documentCount));
    return writer;
  }

  /**
   * Appends the next {@code count} sequences: their lengths from {@code lengths[offset...]} and, when the index has
   * modes, their modes from {@code modesOrNull[offset...]}.
   */
  public void appendSequences(int[] lengths, byte[] modesOrNull, int offset, int count) throws IOException {
    if (modes != (modesOrNull != null)) {
      throw new IllegalArgumentException(resource + ": the index was opened " + (modes ? "with" : "without")
          + " modes, but modes were " + (modesOrNull == null ? "not given" : "given"));
    }
    if (count > sequenceCount - sequencesWritten) {
      throw new IllegalStateException(resource + ": " + (sequencesWritten + count) + " sequences, more than the "
          + sequenceCount + " in the header");
    }
    for (int done = 0; done < count; done += CHUNK_ENTRIES) {
      int n = Math.min(CHUNK_ENTRIES, count - done);
      ByteBuffer lengthBytes = ByteBuffer.allocate(4 * n).order(ByteOrder.LITTLE_ENDIAN);
      ByteBuffer pointerBytes = ByteBuffer.allocate(8 * n).order(ByteOrder.LITTLE_ENDIAN);
      for (int i = 0; i < n; i++) {
        int length = lengths[offset + done + i];
        if (length < 0) {
          throw new IllegalArgumentException(resource + ": sequence " + (sequencesWritten + i)
              + " has negative length " + length);
        }
        lengthBytes.putInt(length);
        pointerBytes.putLong(nextPointer);
        nextPointer = Math.addExact(nextPointer, (long) length * dtype.itemSize());
      }
      writeAt(MegatronIndex.HEADER_LENGTH + 4 * sequencesWritten, lengthBytes.flip());
      writeAt(MegatronIndex.HEADER_LENGTH + 4 * sequenceCount + 8 * sequencesWritten, pointerBytes.flip());
      if (modes) {
        writeAt(modesOffset() + sequencesWritten, ByteBuffer.wrap(modesOrNull, offset + done, n));
      }
      sequencesWritten += n;
    }
  }

  /** Appends the next {@code count} document indices from {@code documentIndices[offset...]}. */
  public void appendDocumentIndices(long[] documentIndices, int offset, int count) throws IOException {
    if (count > documentCount - documentsWritten) {
      throw new IllegalStateException(resource + ": " + (documentsWritten + count) + " document indices, more "
          + "than the " + documentCount + " in the header");
    }
    for (int done = 0; done < count; done += CHUNK_ENTRIES) {
      int n = Math.min(CHUNK_ENTRIES, count - done);
      ByteBuffer bytes = ByteBuffer.allocate(8 * n).order(ByteOrder.LITTLE_ENDIAN);
      for (int i = 0; i < n; i++) {
        long value = documentIndices[offset + done + i];
        checkDocumentIndex(resource, documentsWritten + i, value, lastDocumentIndex, sequenceCount);
        lastDocumentIndex = value;
        bytes.putLong(value);
      }
      writeAt(MegatronIndex.HEADER_LENGTH + 12 * sequenceCount + 8 * documentsWritten, bytes.flip());
      documentsWritten += n;
    }
  }

  /**
   * Checks that every sequence and document index was appended, leaves the channel's position at the end of the
   * index, and returns the size the {@code .bin} file must have. The channel stays open.
   */
  public long finish() throws IOException {
    if (sequencesWritten != sequenceCount || documentsWritten != documentCount) {
      throw new IllegalStateException(resource + ": " + sequencesWritten + " of " + sequenceCount
          + " sequences and " + documentsWritten + " of " + documentCount + " document indices were appended");
    }
    checkLastDocumentIndex(resource, lastDocumentIndex, sequenceCount);
    channel.position(start + modesOffset() + (modes ? sequenceCount : 0));
    return nextPointer;
  }

  /**
   * Writes a whole index to {@code out} in bounded chunks, and returns the size the {@code .bin} file must have.
   * The arrays are checked first, so a refused index writes nothing.
   *
   * @param resource the file, for messages
   * @param modesOrNull the modes of a multimodal dataset, one per sequence, or null
   */
  public static long write(OutputStream out, String resource, MegatronDType dtype, int[] lengths,
      long[] documentIndices, byte[] modesOrNull) throws IOException {
    // Checked before the first byte, so that a refused index leaves nothing half-written in the stream.
    long binSize = checkArrays(resource, dtype, lengths, documentIndices, modesOrNull);
    out.write(header(dtype, lengths.length, documentIndices.length).array());
    byte[] chunk = new byte[8 * CHUNK_ENTRIES];
    ByteBuffer buffer = ByteBuffer.wrap(chunk).order(ByteOrder.LITTLE_ENDIAN);
    for (int done = 0; done < lengths.length; done += CHUNK_ENTRIES) {
      int n = Math.min(CHUNK_ENTRIES, lengths.length - done);
      buffer.clear();
      for (int i = 0; i < n; i++) {
        buffer.putInt(lengths[done + i]);
      }
      out.write(chunk, 0, buffer.position());
    }
    long pointer = 0;
    for (int done = 0; done < lengths.length; done += CHUNK_ENTRIES) {
      int n = Math.min(CHUNK_ENTRIES, lengths.length - done);
      buffer.clear();
      for (int i = 0; i < n; i++) {
        buffer.putLong(pointer);
        pointer += (long) lengths[done + i] * dtype.itemSize();
      }
      out.write(chunk, 0, buffer.position());
    }
    for (int done = 0; done < documentIndices.length; done += CHUNK_ENTRIES) {
      int n = Math.min(CHUNK_ENTRIES, documentIndices.length - done);
      buffer.clear();
      for (int i = 0; i < n; i++) {
        buffer.putLong(documentIndices[done + i]);
      }
      out.write(chunk, 0, buffer.position());
    }
    if (modesOrNull != null) {
      out.write(modesOrNull);
    }
    return binSize;
  }

  /**
   * Writes a whole index at the channel's position, leaving the position at its end, and returns the size the
   * {@code .bin} file must have.
   */
  public static long write(FileChannel channel, String resource, MegatronDType dtype, int[] lengths,
      long[] documentIndices, byte[] modesOrNull) throws IOException {
    checkArrays(resource, dtype, lengths, documentIndices, modesOrNull);
    MegatronIndexWriter writer = open(channel, resource, dtype, lengths.length, documentIndices.length,
        modesOrNull != null);
    writer.appendSequences(lengths, modesOrNull, 0, lengths.length);
    writer.appendDocumentIndices(documentIndices, 0, documentIndices.length);
    return writer.finish();
  }

  private long modesOffset() {
    return MegatronIndex.HEADER_LENGTH + 12 * sequenceCount + 8 * documentCount;
  }

  private void writeAt(long offset, ByteBuffer bytes) throws IOException {
    long position = start + offset;
    while (bytes.hasRemaining()) {
      position += channel.write(bytes, position);
    }
  }

  private static ByteBuffer header(MegatronDType dtype, long sequenceCount, long documentCount) {
    ByteBuffer header = ByteBuffer.allocate(MegatronIndex.HEADER_LENGTH).order(ByteOrder.LITTLE_ENDIAN);
    header.put(MegatronIndex.MAGIC).putLong(MegatronIndex.VERSION).put((byte) dtype.code())
        .putLong(sequenceCount).putLong(documentCount);
    return header.flip();
  }

  /** Everything the writer refuses, in one pass; returns the {@code .bin} size. */
  private static long checkArrays(String resource, MegatronDType dtype, int[] lengths, long[] documentIndices,
      byte[] modesOrNull) {
    if (documentIndices.length == 0) {
      throw new IllegalArgumentException(resource + ": no document indices; they always hold at least the leading 0");
    }
    if (modesOrNull != null && modesOrNull.length != lengths.length) {
      throw new IllegalArgumentException(resource + ": " + modesOrNull.length + " modes for " + lengths.length
          + " sequences");
    }
    long binSize = 0;
    for (int i = 0; i < lengths.length; i++) {
      if (lengths[i] < 0) {
        throw new IllegalArgumentException(resource + ": sequence " + i + " has negative length " + lengths[i]);
      }
      binSize = Math.addExact(binSize, (long) lengths[i] * dtype.itemSize());
    }
    long previous = 0;
    for (int i = 0; i < documentIndices.length; i++) {
      checkDocumentIndex(resource, i, documentIndices[i], previous, lengths.length);
      previous = documentIndices[i];
    }
    checkLastDocumentIndex(resource, previous, lengths.length);
    return binSize;
  }

  private static void checkDocumentIndex(String resource, long entry, long value, long previous, long sequences) {
    if (entry == 0 && value != 0) {
      throw new IllegalArgumentException(resource + ": document indices start at " + value + ", not at 0");
    }
    if (value < previous || value > sequences) {
      throw new IllegalArgumentException(resource + ": document index " + entry + " is " + value + " after "
          + previous + "; document indices must not decrease and must stay within the " + sequences + " sequences");
    }
  }

  private static void checkLastDocumentIndex(String resource, long last, long sequences) {
    if (last != sequences) {
      throw new IllegalArgumentException(resource + ": document indices end at " + last + ", not at the sequence "
          + "count " + sequences);
    }
  }
}
