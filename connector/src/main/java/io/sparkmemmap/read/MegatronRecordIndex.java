package io.sparkmemmap.read;

import io.sparkmemmap.format.NumpyDescr;
import io.sparkmemmap.format.ScalarDType;
import io.sparkmemmap.format.megatron.MegatronFormatException;
import io.sparkmemmap.format.megatron.MegatronIndex;
import io.sparkmemmap.format.megatron.MegatronPair;
import io.sparkmemmap.schema.NumpySparkTypes;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.Metadata;
import org.apache.spark.sql.types.StructField;

/**
 * One Megatron pair as records: the {@code .idx} header read on the driver ({@link MegatronIndex}), its slices read
 * by the tasks. Columns from the index: {@code document} (the document each sequence belongs to, numbered from 0
 * over the pairs of the read in order, as Megatron's {@code add_index} numbers the documents of joined pairs, so
 * that no document of one pair continues into the next) and, in a multimodal pair, {@code mode}.
 *
 * <p>What is checked where: the driver reads the 34-byte header and the first and last entries of the arrays, which
 * catch a wrong magic, version or dtype code, counts that disagree with the file size, and a {@code .bin} of another
 * size than the index says; each task checks its own slice (lengths not negative, pointers the running sum of the
 * lengths, document indices not decreasing), so that no one reads a whole index of billions of sequences.
 * {@link MegatronIndex#validate} checks everything in one pass where that is wanted (the writer's tests).
 */
final class MegatronRecordIndex implements RecordIndex {
  private static final long serialVersionUID = 1L;
  static final String DOCUMENT = "document";
  static final String MODE = "mode";

  private final String idxPath;
  /** The files' statuses as listed: tasks open them by these, without a request for them ({@link FileHandle}). */
  private final FileStatus idxStatus;
  private final String binPath;
  private final String binUri;
  private final FileStatus binStatus;
  private final long binLength;
  private final long binBytes;
  private final MegatronIndex header;
  /** The documents of the pairs read before this one, which its document numbers follow. */
  private final long documentBase;

  private MegatronRecordIndex(String idxPath, FileStatus idxStatus, String binPath, String binUri,
      FileStatus binStatus, long binBytes, MegatronIndex header, long documentBase) {
    this.binBytes = binBytes;
    this.documentBase = documentBase;
    this.idxPath = idxPath;
    this.idxStatus = idxStatus;
    this.binPath = binPath;
    this.binUri = binUri;
    this.binStatus = binStatus;
    this.binLength = binStatus.getLen();
    this.header = header;
  }

  /**
   * Reads and checks the header of the pair at {@code prefix}.
   *
   * @param documentBase the documents of the pairs read before it: its documents are numbered from there, as
   *     Megatron's {@code add_index} numbers the documents of joined pairs
   */
  static MegatronRecordIndex open(Path prefix, long documentBase, Configuration conf) throws IOException {
    FileSystem fs = prefix.getFileSystem(conf);
    Path idx = fs.makeQualified(MegatronRecords.withSuffix(prefix, MegatronRecords.IDX));
    Path bin = fs.makeQualified(MegatronRecords.withSuffix(prefix, MegatronRecords.BIN));
    FileStatus idxStatus = status(fs, idx);
    FileStatus binStatus = status(fs, bin);
    if (idxStatus == null || binStatus == null) {
      throw MegatronRecords.missing(prefix, idxStatus != null, binStatus != null);
    }
    try (FileHandle handle = FileHandle.open(idxStatus, conf)) {
      MegatronIndex header = MegatronRecords.readHeader(handle, idx.toString());
      long binBytes = checkEnds(handle, header, binStatus.getLen());
      return new MegatronRecordIndex(idx.toString(), idxStatus, bin.toString(), bin.toUri().toString(), binStatus,
          binBytes, header, documentBase);
    }
  }

  private static FileStatus status(FileSystem fs, Path path) throws IOException {
    try {
      FileStatus status = fs.getFileStatus(path);
      return status.isFile() ? status : null;
    } catch (FileNotFoundException e) {
      return null;
    }
  }

  /**
   * The first and last entries: pointers from 0 to within the {@code .bin}, document indices from 0 to S; returns
   * the bytes the sequences take.
   */
  private static long checkEnds(FileHandle handle, MegatronIndex header, long binLength) throws IOException {
    long s = header.sequenceCount();
    String resource = header.resource();
    long[] firstDocument = header.readDocumentIndices(handle.reader(), 0, 1);
    long[] lastDocument = header.readDocumentIndices(handle.reader(), header.documentCount() - 1,
        header.documentCount());
    if (firstDocument[0] != 0) {
      throw new MegatronFormatException(resource, "document indices start at " + firstDocument[0] + ", not at 0");
    }
    if (lastDocument[0] != s) {
      throw new MegatronFormatException(resource, "document indices end at " + lastDocument[0]
          + ", not at the sequence count " + s);
    }
    long binBytes = 0;
    if (s > 0) {
      long firstPointer = header.readPointers(handle.reader(), 0, 1)[0];
      if (firstPointer != 0) {
        throw new MegatronFormatException(resource, "sequence 0 has pointer " + firstPointer
            + ", but pointers are the running sum of lengths times the item size, from 0");
      }
      long lastPointer = header.readPointers(handle.reader(), s - 1, s)[0];
      int lastLength = header.readLengths(handle.reader(), s - 1, s)[0];
      binBytes = lastPointer + (long) lastLength * header.itemSize();
    }
    if (binLength < binBytes) {
      throw new MegatronFormatException(resource, "its sequences end at byte " + binBytes + " of the .bin file, but "
          + "the .bin file has only " + binLength + " bytes (it is truncated)");
    }
    return binBytes;
  }

  MegatronIndex header() {
    return header;
  }

  /** The pair, as a merge copies it. */
  MegatronPair pair() {
    return new MegatronPair(idxPath, binPath, header, binBytes);
  }

  @Override
  public String describe() {
    return idxPath;
  }

  @Override
  public long recordCount() {
    return header.sequenceCount();
  }

  @Override
  public ScalarDType elementType() {
    return (ScalarDType) NumpyDescr.parse(header.dtype().numpyDescr());
  }

  @Override
  public String dataPath() {
    return binPath;
  }

  @Override
  public String dataUri() {
    return binUri;
  }

  @Override
  public long dataFileLength() {
    return binLength;
  }

  @Override
  public FileStatus dataStatus() {
    return binStatus;
  }

  @Override
  public long dataOffset() {
    return 0;
  }

  /**
   * The bytes the sequences take: a {@code .bin} may be longer, by the tail an interrupted append left, which no
   * index describes and which is never read (Megatron's reader ignores it too).
   */
  @Override
  public long dataBytes() {
    return binBytes;
  }

  @Override
  public List<StructField> indexColumns() {
    List<StructField> columns = new ArrayList<>();
    columns.add(new StructField(DOCUMENT, DataTypes.LongType, false,
        NumpySparkTypes.withDType(Metadata.empty(), "<i8")));
    if (header.hasModes()) {
      columns.add(new StructField(MODE, DataTypes.ByteType, false,
          NumpySparkTypes.withDType(Metadata.empty(), "|i1")));
    }
    return columns;
  }

  @Override
  public RecordSlice slice(long from, long to, int[] indexColumns, Configuration conf) throws IOException {
    try (FileHandle handle = FileHandle.open(idxStatus, conf)) {
      int[] lengths = header.readLengths(handle.reader(), from, to);
      long[] pointers = header.readPointers(handle.reader(), from, to);
      long[] starts = new long[lengths.length];
      int itemSize = header.itemSize();
      for (int k = 0; k < lengths.length; k++) {
        long sequence = from + k;
        long end = pointers[k] + (long) lengths[k] * itemSize;
        if (lengths[k] < 0) {
          throw new MegatronFormatException(idxPath, "sequence " + sequence + " has negative length " + lengths[k]);
        }
        if (pointers[k] < 0 || pointers[k] % itemSize != 0 || end > binLength) {
          throw new MegatronFormatException(idxPath, "sequence " + sequence + " has pointer " + pointers[k]
              + " and length " + lengths[k] + ", which is not within the " + binLength + " bytes of " + binPath);
        }
        if (k + 1 < lengths.length && pointers[k + 1] != end) {
          throw new MegatronFormatException(idxPath, "sequence " + (sequence + 1) + " has pointer " + pointers[k + 1]
              + ", but the sequence before it ends at byte " + end + ": pointers must be the running sum of "
              + "lengths times the item size " + itemSize);
        }
        starts[k] = pointers[k] / itemSize;
      }
      long[][] columns = new long[indexColumns.length][];
      for (int c = 0; c < indexColumns.length; c++) {
        columns[c] = indexColumns[c] == 0 ? documents(handle, from, to) : modes(handle, from, to);
      }
      return new RecordSlice(from, starts, lengths, columns);
    }
  }

  private long[] modes(FileHandle handle, long from, long to) throws IOException {
    byte[] modes = header.readModes(handle.reader(), from, to);
    long[] values = new long[modes.length];
    for (int k = 0; k < modes.length; k++) {
      values[k] = modes[k];
    }
    return values;
  }

  /**
   * The document of each sequence of {@code [from, to)}: the last document {@code d} (of {@code 0 .. D-2}) whose
   * first sequence {@code docIdx[d]} is at most the sequence, after the documents of the pairs before. Found by a binary search of the document indices for
   * the first, then read forward in chunks: a task reads {@code O(log D)} entries plus those of its own documents.
   */
  private long[] documents(FileHandle handle, long from, long to) throws IOException {
    long lastDocument = header.documentCount() - 2; // D - 1 documents: 0 .. D - 2
    long low = 0;
    long high = lastDocument;
    while (low < high) { // the last d with docIdx[d] <= from
      long mid = (low + high + 1) >>> 1;
      if (documentIndex(handle, mid) <= from) {
        low = mid;
      } else {
        high = mid - 1;
      }
    }
    long[] result = new long[(int) (to - from)];
    long document = low;
    long nextStart = document + 1 <= lastDocument ? documentIndex(handle, document + 1) : Long.MAX_VALUE;
    long[] chunk = new long[0];
    long chunkFrom = 0;
    for (int k = 0; k < result.length; k++) {
      long sequence = from + k;
      while (nextStart <= sequence) {
        document++;
        long entry = document + 1;
        if (entry > lastDocument) {
          nextStart = Long.MAX_VALUE;
          break;
        }
        if (entry >= chunkFrom + chunk.length) {
          chunkFrom = entry;
          chunk = header.readDocumentIndices(handle.reader(), entry,
              Math.min(header.documentCount(), entry + RecordSlice.MAX_RECORDS));
        }
        long value = chunk[(int) (entry - chunkFrom)];
        if (value < nextStart) {
          throw new MegatronFormatException(idxPath, "document index " + entry + " is " + value + ", less than the "
              + nextStart + " before it: document indices must not decrease");
        }
        nextStart = value;
      }
      result[k] = documentBase + document;
    }
    return result;
  }

  private long documentIndex(FileHandle handle, long entry) throws IOException {
    return header.readDocumentIndices(handle.reader(), entry, entry + 1)[0];
  }
}
