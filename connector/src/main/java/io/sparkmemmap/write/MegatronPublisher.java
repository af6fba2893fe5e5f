package io.sparkmemmap.write;

import io.sparkmemmap.format.PositionalReader;
import io.sparkmemmap.format.megatron.MegatronFormatException;
import io.sparkmemmap.format.megatron.MegatronIndex;
import io.sparkmemmap.format.megatron.MegatronIndexWriter;
import io.sparkmemmap.format.megatron.MegatronPair;
import java.io.DataInputStream;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Job commit of a Megatron write: the committed tasks' element parts become {@code prefix.bin} (kernel-side copies
 * on the local file system, {@link OutputFiles#assemble}), the lengths of their index parts and their marks parts
 * ({@link SequenceMarks}) {@code prefix.idx}, written by {@link MegatronIndexWriter} in bounded chunks (the driver
 * reads eighteen bytes per sequence, never a token). Both are
 * made in the staging directory and published by rename, the {@code .bin} first and the {@code .idx} last: Megatron
 * treats an existing {@code .idx} as a finished dataset. An overwrite removes the old {@code .idx} before it
 * replaces anything.
 *
 * <p>Append keeps the old pair's sequences and documents first, as Megatron's {@code add_index} merges: the new
 * document indices are offset by the old sequence count. On the local file system the {@code .bin} grows in place
 * (cut back first to what the old index says, which drops the tail an interrupted append left) and the new
 * {@code .idx} replaces the old by one rename; a crash before that rename leaves the old index over the old bytes
 * and unread bytes after them, which readers of the old index ignore. Elsewhere the whole {@code .bin} is rewritten
 * in staging and replaced.
 *
 * <p>A shard merge ({@link MegatronMerge}) publishes the same way: its index comes from the merged pairs' indexes
 * rather than from parts, and on the local file system its tasks have already copied the bytes into place.
 */
final class MegatronPublisher {
  private static final Logger LOG = LoggerFactory.getLogger(MegatronPublisher.class);
  /** Megatron's {@code optimal_dtype}: uint16 for vocabularies smaller than this, else int32. */
  static final int OPTIMAL_DTYPE_THRESHOLD = 65500;
  private static final int CHUNK = 1 << 16;

  private final RecordWriteJob job;
  private final MegatronTarget target;
  private final OutputFiles files;
  private final FileSystem fs;

  MegatronPublisher(RecordWriteJob job, MegatronTarget target, OutputFiles files, FileSystem fs) {
    this.job = job;
    this.target = target;
    this.files = files;
    this.fs = fs;
  }

  /** Publishes a write of rows: the committed tasks' parts, in partition order. */
  void publish(List<RecordPart> parts) throws IOException {
    List<ByteRange> ranges = new ArrayList<>();
    for (RecordPart part : parts) {
      ranges.add(new ByteRange(RecordPart.path(part.elementsFile()), 0, part.elements() * target.dtype().itemSize()));
    }
    publish(new StagedSequences(parts), ranges);
    warnAboutDtype(parts);
  }

  /**
   * Publishes a merge of whole pairs ({@link MegatronMerge}): the index from theirs, as Megatron's {@code add_index}
   * joins them; the {@code .bin} from the pieces its tasks copied, or, where {@code pieces} is null, from the bytes
   * they copied straight into place (the staged {@code .bin}, or the end of the appended one).
   *
   * @param documents whether the pairs' documents are kept (else each sequence is one)
   * @param oldBinBytes where an append's tasks put the new bytes in place: the old index's bytes, which this checks
   */
  void publishMerge(List<MegatronPair> pairs, boolean documents, List<ByteRange> pieces, long oldBinBytes)
      throws IOException {
    long old = publish(new MergedSequences(pairs, documents), pieces);
    if (pieces == null && target.appendTo() && old != oldBinBytes) {
      throw new IOException(target.idx() + " changed during the merge: it describes " + old + " bytes of "
          + target.bin() + ", the merge appended after " + oldBinBytes);
    }
  }

  /** The staged {@code .bin} of a new pair, which a merge's tasks may fill in place before the job commits. */
  Path stagedBin() {
    return new Path(target.staging(), "assembled.bin");
  }

  /**
   * Writes the index, then places the {@code .bin} and the index by the save mode; returns the bytes of the old
   * {@code .bin} an append kept.
   *
   * @param ranges the new sequences' bytes to assemble, in order; null where they are in place already
   */
  private long publish(NewSequences added, List<ByteRange> ranges) throws IOException {
    Path bin = target.bin();
    Path idx = target.idx();
    MegatronIndex existing = target.appendTo() ? existingIndex() : null;
    Path stagedIdx = new Path(target.staging(), "assembled.idx");
    Path stagedBin = stagedBin();
    long oldBinBytes = writeIndex(stagedIdx, added, existing);
    if (existing != null && files.isLocal()) {
      if (ranges != null) {
        growInPlace(bin, oldBinBytes, ranges);
      }
      files.replace(stagedIdx, idx);
    } else if (existing != null) {
      List<ByteRange> all = new ArrayList<>(ranges);
      all.add(0, new ByteRange(bin, 0, oldBinBytes));
      files.assemble(stagedBin, new byte[0], all);
      files.deleteRecursively(idx); // no finished-looking pair while the .bin changes
      files.replace(stagedBin, bin);
      files.rename(stagedIdx, idx);
    } else {
      if (ranges != null) {
        files.assembleParts(stagedBin, new byte[0], ranges);
      }
      if (target.mode() == WriteMode.OVERWRITE) {
        files.deleteRecursively(idx);
        if (files.state(bin) != OutputFiles.PathState.MISSING) {
          files.replace(stagedBin, bin);
        } else {
          files.rename(stagedBin, bin);
        }
      } else {
        files.rename(stagedBin, bin);
      }
      files.rename(stagedIdx, idx);
    }
    return oldBinBytes;
  }

  /** Appends the parts to the old {@code .bin} after its first {@code oldBytes} bytes, and forces them to disk. */
  private static void growInPlace(Path bin, long oldBytes, List<ByteRange> ranges) throws IOException {
    try (FileChannel out = FileChannel.open(OutputFiles.Local.nio(bin), StandardOpenOption.WRITE)) {
      if (out.size() > oldBytes) {
        out.truncate(oldBytes); // the tail of an interrupted append, which no index describes
      }
      long at = oldBytes;
      for (ByteRange range : ranges) {
        at += OutputFiles.Local.copy(range, out, at);
      }
      out.force(false);
    }
  }

  /** The sequences a write adds after the old pair's: counted first, for the header, then appended. */
  private interface NewSequences {
    long sequences();

    long documents() throws IOException;

    /** Appends their lengths, modes and document indices; {@code first} sequences come before them. */
    void append(MegatronIndexWriter writer, long first) throws IOException;
  }

  /**
   * Writes the index of the old pair's sequences (when appending) and the new ones into {@code staged}; returns the
   * bytes of the old {@code .bin} the old index describes.
   */
  private long writeIndex(Path staged, NewSequences added, MegatronIndex existing) throws IOException {
    long oldSequences = existing == null ? 0 : existing.sequenceCount();
    long oldDocuments = existing == null ? 0 : existing.documents();
    long sequences = oldSequences + added.sequences();
    // made in a directory of its own rather than by createTempFile, whose files are 0600: the published .idx gets
    // the permissions of any new file (as the .bin has), so that a training job of another account can read it
    java.nio.file.Path localDir = Files.createTempDirectory("spark-memmap-megatron");
    java.nio.file.Path local = Files.createFile(localDir.resolve("index.idx"));
    long oldBinBytes = 0;
    try {
      try (FileChannel channel = FileChannel.open(local, StandardOpenOption.WRITE)) {
        MegatronIndexWriter writer = MegatronIndexWriter.open(channel, target.idx().toString(), target.dtype(),
            sequences, oldDocuments + added.documents() + 1, job.marks().multimodal());
        if (existing != null) {
          oldBinBytes = copyIndex(existing, target.idx(), 0, true, writer);
          long binLength = files.length(target.bin());
          if (binLength < oldBinBytes) {
            throw truncated(target, binLength, oldBinBytes);
          }
        }
        added.append(writer, oldSequences);
        writer.appendDocumentIndices(new long[] {sequences}, 0, 1);
        writer.finish();
      }
      Path qualified = new Path(local.toUri());
      if (files.isLocal()) {
        Files.move(local, OutputFiles.Local.nio(staged));
      } else {
        fs.copyFromLocalFile(false, true, qualified, staged);
      }
    } finally {
      Files.deleteIfExists(local);
      Files.deleteIfExists(localDir);
    }
    return oldBinBytes;
  }

  /** The error of an append to a pair whose {@code .bin} is shorter than its index says. */
  static MegatronFormatException truncated(MegatronTarget target, long binLength, long indexedBytes) {
    return new MegatronFormatException(target.bin().toString(), "has " + binLength + " bytes, fewer than the "
        + indexedBytes + " its index " + target.idx() + " describes: it was truncated; nothing was appended");
  }

  /** The sequences of the committed parts of a write of rows, with the marks that say where documents start. */
  private final class StagedSequences implements NewSequences {
    private final List<RecordPart> parts;

    StagedSequences(List<RecordPart> parts) {
      this.parts = parts;
    }

    @Override
    public long sequences() {
      return parts.stream().mapToLong(RecordPart::records).sum();
    }

    @Override
    public long documents() throws IOException {
      long documents = 0;
      Object previousLast = null;
      for (RecordPart part : parts) {
        documents += countDocumentStarts(part) - (continues(previousLast, part) ? 1 : 0);
        previousLast = part.marks().lastDocument();
      }
      return documents;
    }

    @Override
    public void append(MegatronIndexWriter writer, long first) throws IOException {
      Object previousLast = null;
      long sequence = first;
      for (RecordPart part : parts) {
        sequence = appendPart(part, writer, sequence, continues(previousLast, part));
        previousLast = part.marks().lastDocument();
      }
    }
  }

  /**
   * The sequences of whole pairs, one after another, as Megatron's {@code add_index} joins them: each pair's lengths
   * and modes, and its document indices but the last, offset by the sequences before it (every pair starts a
   * document, and its empty documents stay); or, without documents, one per sequence.
   */
  private final class MergedSequences implements NewSequences {
    private final List<MegatronPair> pairs;
    private final boolean documents;

    MergedSequences(List<MegatronPair> pairs, boolean documents) {
      this.pairs = pairs;
      this.documents = documents;
    }

    @Override
    public long sequences() {
      return pairs.stream().mapToLong(p -> p.index().sequenceCount()).sum();
    }

    @Override
    public long documents() {
      return documents ? pairs.stream().mapToLong(p -> p.index().documents()).sum() : sequences();
    }

    @Override
    public void append(MegatronIndexWriter writer, long first) throws IOException {
      long sequence = first;
      for (MegatronPair pair : pairs) {
        copyIndex(pair.index(), new Path(pair.idx()), sequence, documents, writer);
        sequence += pair.index().sequenceCount();
      }
    }
  }

  /** Whether a part's first record continues the document the part before it ended with. */
  private boolean continues(Object previousLast, RecordPart part) {
    return job.marks().documentOrdinal() >= 0 && previousLast != null
        && Objects.equals(previousLast, part.marks().firstDocument());
  }

  private long countDocumentStarts(RecordPart part) throws IOException {
    long starts = 0;
    try (DataInputStream in = open(part.marks().file())) {
      byte[] entry = new byte[SequenceMarks.ENTRY_BYTES];
      for (long r = 0; r < part.records(); r++) {
        in.readFully(entry);
        if (entry[0] == SequenceMarks.STARTS_DOCUMENT) {
          starts++;
        }
      }
    }
    return starts;
  }

  /** Appends a part's lengths (of its index pairs), modes and document starts; returns the sequence after it. */
  private long appendPart(RecordPart part, MegatronIndexWriter writer, long first, boolean continues)
      throws IOException {
    int[] lengths = new int[CHUNK];
    byte[] modes = job.marks().multimodal() ? new byte[CHUNK] : null;
    long[] starts = new long[CHUNK];
    ByteBuffer pair = ByteBuffer.allocate(RecordDataWriter.PAIR_BYTES).order(ByteOrder.LITTLE_ENDIAN);
    byte[] entry = new byte[SequenceMarks.ENTRY_BYTES];
    long sequence = first;
    try (DataInputStream index = open(part.indexFile()); DataInputStream marks = open(part.marks().file())) {
      for (long done = 0; done < part.records(); ) {
        int n = (int) Math.min(CHUNK, part.records() - done);
        int documents = 0;
        for (int i = 0; i < n; i++) {
          index.readFully(pair.array());
          lengths[i] = (int) pair.getLong(8);
          marks.readFully(entry);
          if (modes != null) {
            modes[i] = entry[1];
          }
          boolean start = entry[0] == SequenceMarks.STARTS_DOCUMENT && !(continues && done + i == 0);
          if (start) {
            starts[documents++] = sequence + i;
          }
        }
        writer.appendSequences(lengths, modes, 0, n);
        writer.appendDocumentIndices(starts, 0, documents);
        sequence += n;
        done += n;
      }
    }
    return sequence;
  }

  private DataInputStream open(String part) throws IOException {
    return new DataInputStream(new BufferedInputStream(fs.open(RecordPart.path(part)), 1 << 20));
  }

  /**
   * Copies the sequences of the index at {@code idx}: their lengths (and modes, where the new index has them), and
   * either its document indices but the last, offset by {@code first}, or one document per sequence. Checks that the
   * pointers are the running sum of the lengths, since the new index recomputes them over the same bytes; returns
   * the bytes of the {@code .bin} the sequences take.
   */
  private long copyIndex(MegatronIndex index, Path idx, long first, boolean documents, MegatronIndexWriter writer)
      throws IOException {
    long binBytes = 0;
    boolean modes = job.marks().multimodal() && index.hasModes();
    try (FSDataInputStream in = idx.getFileSystem(job.hadoopConf().get()).open(idx)) {
      PositionalReader reader = reader(in, index.fileSize());
      long[] starts = new long[CHUNK];
      for (long from = 0; from < index.sequenceCount(); from += CHUNK) {
        long to = Math.min(index.sequenceCount(), from + CHUNK);
        int[] lengths = index.readLengths(reader, from, to);
        long[] pointers = index.readPointers(reader, from, to);
        for (int k = 0; k < lengths.length; k++) {
          if (pointers[k] != binBytes) {
            throw new MegatronFormatException(idx.toString(), "sequence " + (from + k) + " has pointer "
                + pointers[k] + ", but the sequences before it end at byte " + binBytes + ": pointers must be the "
                + "running sum of lengths times the item size " + index.itemSize());
          }
          binBytes += (long) lengths[k] * index.itemSize();
          starts[k] = first + from + k;
        }
        writer.appendSequences(lengths, modes ? index.readModes(reader, from, to) : null, 0, lengths.length);
        if (!documents) {
          writer.appendDocumentIndices(starts, 0, lengths.length);
        }
      }
      for (long from = 0; documents && from < index.documentCount() - 1; from += CHUNK) {
        long[] indices = index.readDocumentIndices(reader, from, Math.min(index.documentCount() - 1, from + CHUNK));
        for (int k = 0; k < indices.length; k++) {
          indices[k] += first;
        }
        writer.appendDocumentIndices(indices, 0, indices.length);
      }
    }
    return binBytes;
  }

  MegatronIndex existingIndex() throws IOException {
    try (FSDataInputStream in = fs.open(target.idx())) {
      return MegatronIndex.read(reader(in, fs.getFileStatus(target.idx()).getLen()), target.idx().toString());
    }
  }

  static PositionalReader reader(FSDataInputStream in, long size) {
    return new PositionalReader() {
      @Override
      public long size() {
        return size;
      }

      @Override
      public void readFully(long position, byte[] buffer, int offset, int length) throws IOException {
        in.readFully(position, buffer, offset, length);
      }
    };
  }

  /**
   * Megatron's {@code optimal_dtype} picks uint16 below a vocabulary of 65500 and int32 from there: a uint16 write
   * with larger token ids is valid but not what Megatron's tools would have written, and an inferred int32 write of
   * ids that all fit is twice the size it needs.
   */
  private void warnAboutDtype(List<RecordPart> parts) {
    double max = parts.stream().mapToDouble(p -> p.marks().maxElement()).max().orElse(Double.NEGATIVE_INFINITY);
    if (target.dtype() == io.sparkmemmap.format.megatron.MegatronDType.UINT16 && max >= OPTIMAL_DTYPE_THRESHOLD) {
      LOG.warn("{}: token ids reach {}, at or above the {} from which Megatron's optimal_dtype chooses int32 over "
          + "the uint16 written", target.idx(), (long) max, OPTIMAL_DTYPE_THRESHOLD);
    } else if (!target.dtypeGiven() && target.dtype() == io.sparkmemmap.format.megatron.MegatronDType.INT32
        && max < OPTIMAL_DTYPE_THRESHOLD && max >= 0) {
      LOG.warn("{}: written as int32, inferred from the int column, but every token id is below {}, where "
          + "Megatron's optimal_dtype chooses uint16; option dtype=uint16 halves the .bin", target.idx(),
          OPTIMAL_DTYPE_THRESHOLD);
    }
  }
}
