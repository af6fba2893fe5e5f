package io.sparkmemmap.write;

import io.sparkmemmap.format.PositionalReader;
import io.sparkmemmap.format.megatron.MegatronIndex;
import io.sparkmemmap.format.megatron.MegatronPair;
import io.sparkmemmap.read.PathOptions;
import java.io.IOException;
import java.io.OutputStream;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.connector.metric.CustomMetric;
import org.apache.spark.sql.connector.metric.CustomSumMetric;
import org.apache.spark.sql.connector.metric.CustomTaskMetric;
import org.apache.spark.sql.connector.write.BatchWrite;
import org.apache.spark.sql.connector.write.DataWriter;
import org.apache.spark.sql.connector.write.DataWriterFactory;
import org.apache.spark.sql.connector.write.PhysicalWriteInfo;
import org.apache.spark.sql.connector.write.Write;
import org.apache.spark.sql.connector.write.WriterCommitMessage;

/**
 * The shard merge: a write of one Megatron pair whose rows are every sequence of whole pairs of the write's dtype
 * ({@code WholeMegatronPairs}), their tokens and optionally their documents and modes as read. The session's
 * strategy ({@code MegatronMerges}) plans it in place of the write of rows that the same query would run; it
 * publishes the same pair that write would, through the same {@link MegatronPublisher}, without decoding a token:
 * <ul>
 *   <li>the {@code .bin} is the pairs' {@code .bin}s back to back, so its bytes are copied as they are: the job's
 *       tasks each copy a piece of the output (byte ranges of one or more source {@code .bin}s, about
 *       {@link #PIECE_BYTES} each). On the local file system they copy straight into the output at their offsets,
 *       inside the kernel ({@link FileChannel#transferTo}): into the staged {@code .bin}, preallocated, of a new
 *       pair, or after the old bytes of an appended one (grown in place, as an append of rows grows it). Elsewhere
 *       each piece is a staged part, joined at job commit as the parts of rows are (by the namenode on HDFS).
 *   <li>the {@code .idx} is built at job commit from the pairs' indexes, as Megatron's {@code add_index} joins them:
 *       lengths (and modes) copied, pointers recomputed over the joined bytes (the old ones are checked to be the
 *       running sum, so that the copied bytes are the sequences they describe), document indices offset by the
 *       sequences before each pair. Without a {@code document} column each sequence is one document, as for rows.
 * </ul>
 * Nothing of a token passes through the driver, which reads twenty bytes of index per sequence.
 */
public final class MegatronMerge implements Write, BatchWrite {
  /** The bytes of output one task copies, at most. */
  static final long PIECE_BYTES = 64L << 20;
  private static final int COPY_BUFFER = 1 << 20;

  private final RecordsWrite rows;
  private final List<MegatronPair> pairs;
  private final boolean documents;
  private final List<Piece> pieces;
  private final long bytes;
  /** Driver only: where an append puts the new bytes in place, after the old pair's. */
  private long oldBinBytes;
  /** Driver only: whether an appended {@code .bin} was grown in place, to be cut back if the job fails. */
  private boolean grown;

  private MegatronMerge(RecordsWrite rows, List<MegatronPair> pairs, boolean documents, int minPieces) {
    this.rows = rows;
    this.pairs = List.copyOf(pairs);
    this.documents = documents;
    this.bytes = pairs.stream().mapToLong(MegatronPair::binBytes).sum();
    this.pieces = pieces(pairs, bytes, minPieces);
  }

  /**
   * The merge that does what {@code planned} would do with the rows of a scan of {@code pairs}, when it can.
   *
   * @param planned the write Spark planned for the rows
   * @param columns for each column of the rows written, the column of the scan it is ({@code tokens},
   *     {@code document}, {@code mode}), or null when it is anything else
   * @param minPieces the pieces to copy in parallel at least: the tasks that can run at once
   * @return empty when the write is not of a Megatron pair, or the rows are not the pairs' own columns, or the
   *     pairs do not hold tokens of the write's dtype; the write of rows then runs as planned
   */
  public static Optional<Write> of(Write planned, List<MegatronPair> pairs, List<String> columns, int minPieces) {
    if (!(planned instanceof RecordsWrite write) || pairs.isEmpty()) {
      return Optional.empty();
    }
    RecordWriteJob job = write.job();
    SequenceMarks marks = job.marks();
    boolean same = column(columns, job.ordinal(), MegatronWriteBuilder.TOKENS)
        && (marks.documentOrdinal() < 0 || column(columns, marks.documentOrdinal(), MegatronWriteBuilder.DOCUMENT))
        && (marks.modeOrdinal() < 0 || column(columns, marks.modeOrdinal(), MegatronWriteBuilder.MODE))
        && pairs.stream().allMatch(p -> p.index().dtype() == write.target().dtype());
    return same ? Optional.of(new MegatronMerge(write, pairs, marks.documentOrdinal() >= 0, minPieces))
        : Optional.empty();
  }

  private static boolean column(List<String> columns, int ordinal, String name) {
    return ordinal < columns.size() && name.equals(columns.get(ordinal));
  }

  /** The output cut into pieces of equal size, each the byte ranges of the source {@code .bin}s it holds. */
  private static List<Piece> pieces(List<MegatronPair> pairs, long bytes, int minPieces) {
    long wanted = Math.max(Math.max(1, minPieces), (bytes + PIECE_BYTES - 1) / PIECE_BYTES);
    int count = (int) Math.max(1, Math.min(wanted, bytes));
    long size = (bytes + count - 1) / Math.max(1, count);
    List<Piece> pieces = new ArrayList<>();
    int pair = 0;
    long inPair = 0;
    for (long at = 0; pieces.isEmpty() || at < bytes; at += size) {
      long left = Math.min(size, bytes - at);
      List<Source> sources = new ArrayList<>();
      while (left > 0) {
        MegatronPair p = pairs.get(pair);
        long n = Math.min(left, p.binBytes() - inPair);
        if (n > 0) {
          sources.add(new Source(p.bin(), inPair, n));
        }
        left -= n;
        inPair += n;
        if (inPair == p.binBytes()) {
          pair++;
          inPair = 0;
        }
      }
      pieces.add(new Piece(pieces.size(), at, sources));
    }
    return pieces;
  }

  /** The pieces the job's tasks copy, one each. */
  public int pieceCount() {
    return pieces.size();
  }

  @Override
  public String description() {
    return "MegatronMerge of " + pairs.size() + " pairs (" + bytes + " bytes of " + rows.target().dtype().name()
        .toLowerCase(Locale.ROOT) + " tokens in " + pieces.size() + " pieces) " + rows.description();
  }

  @Override
  public String toString() {
    return description();
  }

  @Override
  public BatchWrite toBatch() {
    return this;
  }

  @Override
  public CustomMetric[] supportedCustomMetrics() {
    return new CustomMetric[] {new BytesCopiedMetric()};
  }

  @Override
  public boolean useCommitCoordinator() {
    return true;
  }

  /**
   * Stages, and on the local file system makes the room the tasks copy into: the staged {@code .bin} of a new
   * pair, preallocated, or the old {@code .bin} grown past its indexed bytes (cut back first to them, which drops
   * the tail an interrupted append left).
   */
  @Override
  public DataWriterFactory createBatchWriterFactory(PhysicalWriteInfo info) {
    rows.prepareStaging();
    MegatronTarget target = rows.target();
    String destination = null;
    try {
      if (rows.files().isLocal()) {
        Path file = target.appendTo() ? target.bin() : rows.publisher().stagedBin();
        oldBinBytes = target.appendTo() ? indexedBytes(rows.publisher().existingIndex()) : 0;
        try (FileChannel out = FileChannel.open(OutputFiles.Local.nio(file), StandardOpenOption.CREATE,
            StandardOpenOption.WRITE)) {
          if (out.size() < oldBinBytes) {
            throw MegatronPublisher.truncated(target, out.size(), oldBinBytes);
          }
          out.truncate(oldBinBytes);
          grown = target.appendTo();
          if (bytes > 0) {
            OutputFiles.Local.writeFully(out, ByteBuffer.allocate(1), oldBinBytes + bytes - 1);
          }
        }
        destination = file.toUri().toString();
      }
    } catch (IOException e) {
      rows.cleanUp();
      throw new UncheckedIOException("cannot merge into " + target.prefix() + ": " + e.getMessage(), e);
    }
    return new PieceWriterFactory(rows.job(), pieces, destination, oldBinBytes);
  }

  /** The bytes of the {@code .bin} an index describes: its last pointer plus its last length. */
  private long indexedBytes(MegatronIndex index) throws IOException {
    long s = index.sequenceCount();
    if (s == 0) {
      return 0;
    }
    Path idx = rows.target().idx();
    FileSystem fs = idx.getFileSystem(rows.job().hadoopConf().get());
    try (FSDataInputStream in = fs.open(idx)) {
      PositionalReader reader = MegatronPublisher.reader(in, index.fileSize());
      return index.readPointers(reader, s - 1, s)[0] + (long) index.readLengths(reader, s - 1, s)[0]
          * index.itemSize();
    }
  }

  @Override
  public void commit(WriterCommitMessage[] messages) {
    List<CopiedPiece> copied = Arrays.stream(messages).flatMap(m -> Arrays.stream(((CopiedPieces) m).pieces()))
        .sorted(Comparator.comparingInt(CopiedPiece::index)).toList();
    try {
      if (copied.size() != pieces.size()) {
        throw new IOException(copied.size() + " of the " + pieces.size() + " pieces were copied");
      }
      List<ByteRange> staged = null;
      if (!rows.files().isLocal()) {
        staged = new ArrayList<>();
        for (CopiedPiece piece : copied) {
          staged.add(new ByteRange(RecordPart.path(piece.file()), 0, pieces.get(piece.index()).length()));
        }
      }
      rows.publisher().publishMerge(pairs, documents, staged, oldBinBytes);
    } catch (IOException e) {
      undoInPlace();
      throw new UncheckedIOException("could not publish the Megatron dataset " + rows.target().prefix() + ": "
          + e.getMessage(), e);
    } finally {
      rows.cleanUp();
    }
  }

  @Override
  public void abort(WriterCommitMessage[] messages) {
    try {
      undoInPlace();
    } finally {
      rows.cleanUp();
    }
  }

  /** Cuts an appended {@code .bin} grown in place back to its old bytes, which its index describes. */
  private void undoInPlace() {
    MegatronTarget target = rows.target();
    if (grown) {
      try (FileChannel out = FileChannel.open(OutputFiles.Local.nio(target.bin()), StandardOpenOption.WRITE)) {
        out.truncate(oldBinBytes);
      } catch (IOException e) {
        throw new UncheckedIOException("could not cut " + target.bin() + " back to its " + oldBinBytes + " bytes", e);
      }
    }
  }

  /** Bytes {@code [offset, offset + length)} of a source {@code .bin} (a qualified Hadoop path). */
  record Source(String file, long offset, long length) implements Serializable {
    ByteRange range() {
      return new ByteRange(new Path(file), offset, length);
    }
  }

  /** The bytes one task copies: the sources, back to back, from byte {@code at} of the new bytes. */
  record Piece(int index, long at, List<Source> sources) implements Serializable {
    long length() {
      return sources.stream().mapToLong(Source::length).sum();
    }
  }

  /** A piece copied: into place, or into the staged part {@code file}. */
  record CopiedPiece(int index, String file) implements Serializable {}

  record CopiedPieces(CopiedPiece[] pieces) implements WriterCommitMessage {}

  /** Sent to executors: the writer of each task copies the pieces whose numbers its rows are. */
  private record PieceWriterFactory(RecordWriteJob job, List<Piece> pieces, String destination, long base)
      implements DataWriterFactory {
    @Override
    public DataWriter<InternalRow> createWriter(int partitionId, long taskId) {
      return new PieceWriter(this, taskId);
    }
  }

  /** Copies pieces: into the destination at their offsets, or each into a staged part of its own. */
  private static final class PieceWriter implements DataWriter<InternalRow> {
    private final PieceWriterFactory plan;
    private final long taskId;
    private final List<CopiedPiece> copied = new ArrayList<>();
    private final List<Path> staged = new ArrayList<>();
    private final byte[] buffer = new byte[COPY_BUFFER];
    private FileChannel out;
    private long bytesCopied;

    PieceWriter(PieceWriterFactory plan, long taskId) {
      this.plan = plan;
      this.taskId = taskId;
    }

    @Override
    public void write(InternalRow row) throws IOException {
      Piece piece = plan.pieces().get((int) row.getLong(0));
      try {
        if (plan.destination() != null) {
          copyInPlace(piece);
          copied.add(new CopiedPiece(piece.index(), null));
        } else {
          copied.add(new CopiedPiece(piece.index(), copyToPart(piece).toUri().toString()));
        }
      } catch (IOException e) {
        throw new IOException(PathOptions.about(plan.job().path(), "cannot copy piece " + piece.index() + " of the "
            + "merge (" + piece.sources() + "): " + e.getMessage()), e);
      }
      bytesCopied += piece.length();
    }

    private void copyInPlace(Piece piece) throws IOException {
      if (out == null) {
        out = FileChannel.open(OutputFiles.Local.nio(new Path(URI.create(plan.destination()))),
            StandardOpenOption.WRITE);
      }
      long at = plan.base() + piece.at();
      for (Source source : piece.sources()) {
        ByteRange range = source.range();
        if ("file".equals(range.file().toUri().getScheme())) {
          at += OutputFiles.Local.copy(range, out, at);
        } else {
          out.position(at);
          OutputFiles.copy(range, uncloseable(Channels.newOutputStream(out)), buffer, plan.job().hadoopConf().get());
          at += range.length();
        }
      }
    }

    private Path copyToPart(Piece piece) throws IOException {
      Path part = new Path(new Path(URI.create(plan.job().stagingDir())),
          WriteJob.ATTEMPTS + "/piece-" + piece.index() + "-attempt-" + taskId + ".bin");
      FileSystem fs = part.getFileSystem(plan.job().hadoopConf().get());
      staged.add(part);
      try (FSDataOutputStream stream = fs.create(part, false)) {
        for (Source source : piece.sources()) {
          OutputFiles.copy(source.range(), stream, buffer, plan.job().hadoopConf().get());
        }
        stream.hsync();
      }
      return part;
    }

    private static OutputStream uncloseable(OutputStream stream) {
      return new java.io.FilterOutputStream(stream) {
        @Override
        public void write(byte[] b, int off, int len) throws IOException {
          out.write(b, off, len);
        }

        @Override
        public void close() throws IOException {
          flush();
        }
      };
    }

    @Override
    public CopiedPieces commit() throws IOException {
      if (out != null) {
        out.force(false);
      }
      return new CopiedPieces(copied.toArray(new CopiedPiece[0]));
    }

    @Override
    public void abort() throws IOException {
      for (Path part : staged) {
        part.getFileSystem(plan.job().hadoopConf().get()).delete(part, false);
      }
    }

    @Override
    public CustomTaskMetric[] currentMetricsValues() {
      return new CustomTaskMetric[] {new BytesCopiedMetric.Task(bytesCopied)};
    }

    @Override
    public void close() throws IOException {
      if (out != null) {
        out.close();
      }
    }
  }

  /** The bytes of tokens the merge's tasks copied, on the write's node of the plan. */
  public static final class BytesCopiedMetric extends CustomSumMetric {
    public static final String NAME = "bytesCopied";

    @Override
    public String name() {
      return NAME;
    }

    @Override
    public String description() {
      return "bytes of tokens copied";
    }

    record Task(long value) implements CustomTaskMetric {
      @Override
      public String name() {
        return NAME;
      }
    }
  }
}
