package io.sparkmemmap.read;

import io.sparkmemmap.read.ArrayTail.Seen;
import io.sparkmemmap.read.StreamOffset.FileMark;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.connector.read.InputPartition;
import org.apache.spark.sql.connector.read.PartitionReaderFactory;
import org.apache.spark.sql.connector.read.streaming.CompositeReadLimit;
import org.apache.spark.sql.connector.read.streaming.MicroBatchStream;
import org.apache.spark.sql.connector.read.streaming.Offset;
import org.apache.spark.sql.connector.read.streaming.ReadAllAvailable;
import org.apache.spark.sql.connector.read.streaming.ReadLimit;
import org.apache.spark.sql.connector.read.streaming.ReadMaxBytes;
import org.apache.spark.sql.connector.read.streaming.ReadMaxFiles;
import org.apache.spark.sql.connector.read.streaming.ReadMaxRows;
import org.apache.spark.sql.connector.read.streaming.ReportsSourceMetrics;
import org.apache.spark.sql.connector.read.streaming.SupportsAdmissionControl;
import org.apache.spark.sql.connector.read.streaming.SupportsTriggerAvailableNow;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tails arrays as they grow: new files at the stream's paths, and rows appended to the files it already reads. An
 * offset ({@link StreamOffset}) is the rows visible of each file; a micro-batch reads the rows between two offsets,
 * planned and read as a batch read plans and reads rows ({@link PartitionPlanner}, the scan's readers): byte
 * ranges of the new rows only, columnar.
 *
 * <p>Each look compares every file with the offset the stream has reached. A file that shrank, vanished, or was
 * replaced (another kind of array, another header length, other first bytes or last row) fails the query naming it,
 * or with {@code onChangedFile=skip} is left out for good and logged: its rows are never read twice, nor some of
 * them silently. A new file that cannot be read yet (its header or the data its header announces not yet complete) is
 * not visible until it can.
 */
final class NpyMicroBatchStream implements MicroBatchStream, SupportsAdmissionControl, SupportsTriggerAvailableNow,
    ReportsSourceMetrics {
  private static final Logger LOG = LoggerFactory.getLogger(NpyMicroBatchStream.class);
  private static final String INITIAL_OFFSET_FILE = "initial-offset.json";

  private final NpyScan scan;
  private final NpyDataset dataset;
  private final ReadOptions readOptions;
  private final StreamOptions options;
  private final String checkpointLocation;
  private final ArrayTail tail;
  private StreamOffset initialOffset;
  /** Under {@code Trigger.AvailableNow}: the rows of each file visible when it started, beyond which none is read. */
  private Map<String, Long> availableNow;
  /** All rows visible at the last look, admitted or not: what the metrics compare the consumed offset with. */
  private StreamOffset latestAvailable;
  /** Files whose being unreadable was logged, with the length they had, so that each state is logged once. */
  private final Map<String, Long> loggedUnreadable = new HashMap<>();

  NpyMicroBatchStream(NpyScan scan, NpyDataset dataset, ReadOptions readOptions, String checkpointLocation) {
    this.scan = scan;
    this.dataset = dataset;
    this.readOptions = readOptions;
    this.options = StreamOptions.parse(readOptions);
    for (ArrayFile file : dataset.files()) {
      if (file.entry() != null) {
        throw new IllegalArgumentException(PathOptions.about(file.describe(), "is an entry of an .npz archive, "
            + "which cannot grow in place: a stream reads .npy and memmap files"));
      }
    }
    this.checkpointLocation = checkpointLocation;
    this.tail = new ArrayTail(readOptions, dataset.conf());
  }

  /**
   * Before every row, or, with {@code startingOffsets=latest}, after the rows visible when the query first ran:
   * that offset is kept in the checkpoint, so a restart before the first batch completes starts from the same one.
   */
  @Override
  public synchronized Offset initialOffset() {
    if (initialOffset == null) {
      initialOffset = options.startAtLatest() ? latestAtFirstStart() : StreamOffset.empty(dataset.arrayKind());
    }
    return initialOffset;
  }

  private StreamOffset latestAtFirstStart() {
    Path file = new Path(checkpointLocation, INITIAL_OFFSET_FILE);
    try {
      FileSystem fs = file.getFileSystem(dataset.conf());
      try (var in = fs.open(file)) {
        return checked(StreamOffset.fromJson(new String(in.readAllBytes(), StandardCharsets.UTF_8)));
      } catch (FileNotFoundException e) {
        // first start: the offset is taken now
      }
      StreamOffset latest = advance(StreamOffset.empty(dataset.arrayKind()), tail.look());
      Path temporary = new Path(checkpointLocation, "." + INITIAL_OFFSET_FILE + ".tmp");
      try (OutputStream out = fs.create(temporary, true)) {
        out.write(latest.json().getBytes(StandardCharsets.UTF_8));
      }
      if (!fs.rename(temporary, file)) {
        throw new IOException("cannot rename " + temporary + " to " + file);
      }
      return latest;
    } catch (IOException e) {
      throw new UncheckedIOException(e.getMessage(), e);
    }
  }

  @Override
  public Offset deserializeOffset(String json) {
    return checked(StreamOffset.fromJson(json));
  }

  @Override
  public Offset latestOffset() {
    throw new UnsupportedOperationException("latestOffset(Offset, ReadLimit) is called instead");
  }

  @Override
  public ReadLimit getDefaultReadLimit() {
    return options.defaultReadLimit();
  }

  /** Notes the rows visible now: the batches of {@code Trigger.AvailableNow} read those and stop. */
  @Override
  public synchronized void prepareForTriggerAvailableNow() {
    Map<String, Long> visible = new HashMap<>();
    try {
      tail.look().forEach((path, seen) -> {
        if (seen.problem() == null) {
          visible.put(path, seen.rows());
        }
      });
    } catch (IOException e) {
      throw new UncheckedIOException(e.getMessage(), e);
    }
    availableNow = visible;
  }

  /**
   * The rows visible now, checked against {@code start} (a changed file fails the query or is skipped), of which
   * the read limits admit the first ones in path order.
   */
  @Override
  public synchronized Offset latestOffset(Offset start, ReadLimit limit) {
    StreamOffset from = asStreamOffset(start);
    StreamOffset available;
    try {
      available = advance(from, tail.look());
    } catch (IOException e) {
      throw new UncheckedIOException(e.getMessage(), e);
    }
    latestAvailable = available;
    return admit(from, available, Admission.of(limit));
  }

  /** The offset of every row visible now, whatever the limits. */
  @Override
  public synchronized Offset reportLatestOffset() {
    return latestAvailable;
  }

  /**
   * All rows visible of the files {@code seen}, from {@code from} on: the files {@code from} knows, checked, then
   * the new files that can be read and hold the stream's kind of array.
   */
  private StreamOffset advance(StreamOffset from, Map<String, Seen> seen) throws IOException {
    Map<String, FileMark> marks = new TreeMap<>(from.files());
    Set<String> skipped = new TreeSet<>(from.skipped());
    for (Map.Entry<String, FileMark> known : from.files().entrySet()) {
      String path = known.getKey();
      FileMark mark = known.getValue();
      Seen now = seen.get(path);
      String change = changeOf(now, mark);
      if (change != null) {
        // once more, read afresh: the look may have met a header while it was being rewritten
        now = tail.lookAgain(path);
        change = changeOf(now, mark);
      }
      if (change != null) {
        leaveOut(path, change, mark.rows());
        marks.remove(path);
        skipped.add(path);
        continue;
      }
      marks.put(path, now.mark(Math.max(mark.rows(), visible(path, now))));
    }
    for (Seen now : seen.values()) {
      String path = now.status().getPath().toString();
      if (from.files().containsKey(path) || skipped.contains(path)) {
        continue;
      }
      if (now.problem() != null) {
        Long logged = loggedUnreadable.put(path, now.status().getLen());
        if (logged == null || logged != now.status().getLen()) {
          LOG.info("{}: not yet visible to the stream: {}", path, now.problem());
        }
        continue;
      }
      String change = tail.changeSince(now, new FileMark(0, now.file().dataOffset(), 0, 0, -1, 0),
          dataset.arrayKind());
      if (change != null) {
        leaveOut(path, change, 0);
        skipped.add(path);
        continue;
      }
      long rows = visible(path, now);
      if (rows > 0) {
        marks.put(path, now.mark(rows));
      }
    }
    return new StreamOffset(dataset.arrayKind(), marks, skipped);
  }

  private String changeOf(Seen now, FileMark mark) {
    return tail.changeSince(now, mark, dataset.arrayKind());
  }

  /** The rows of a file the stream may read: under {@code Trigger.AvailableNow}, those visible when it started. */
  private long visible(String path, Seen now) {
    return availableNow == null ? now.rows() : Math.min(now.rows(), availableNow.getOrDefault(path, 0L));
  }

  /** Fails the query for a changed file, or with {@code onChangedFile=skip} logs that it is left out. */
  private void leaveOut(String path, String change, long rowsRead) {
    if (!options.skipChangedFiles()) {
      throw new IllegalStateException(PathOptions.about(path, change + "; the stream has read " + rowsRead
          + " rows of it. Set option " + StreamOptions.ON_CHANGED_FILE + "=skip to leave changed files out of the "
          + "stream instead"));
    }
    LOG.warn("{}: left out of the stream from now on (option {}=skip): it {}; {} rows of it were read", path,
        StreamOptions.ON_CHANGED_FILE, change, rowsRead);
  }

  /** The read limits of one batch; each admits at least one row, so that a stream always moves. */
  private record Admission(long maxRows, long maxFiles, long maxBytes) {
    static Admission of(ReadLimit limit) {
      long rows = StreamOptions.UNLIMITED;
      long files = StreamOptions.UNLIMITED;
      long bytes = StreamOptions.UNLIMITED;
      ReadLimit[] limits = limit instanceof CompositeReadLimit composite ? composite.getReadLimits()
          : new ReadLimit[] {limit};
      for (ReadLimit one : limits) {
        if (one instanceof ReadMaxRows maxRows) {
          rows = Math.min(rows, maxRows.maxRows());
        } else if (one instanceof ReadMaxFiles maxFiles) {
          files = Math.min(files, maxFiles.maxFiles());
        } else if (one instanceof ReadMaxBytes maxBytes) {
          bytes = Math.min(bytes, maxBytes.maxBytes());
        } else if (!(one instanceof ReadAllAvailable)) {
          throw new IllegalArgumentException("an npy stream does not take the read limit " + one);
        }
      }
      return new Admission(rows, files, bytes);
    }
  }

  /**
   * The offset after the rows of {@code available} the limits admit, from {@code from}: files in path order,
   * each file's rows in order; a file's new rows may be split over batches. Files newly skipped are skipped.
   */
  private StreamOffset admit(StreamOffset from, StreamOffset available, Admission admission) {
    Map<String, FileMark> marks = new TreeMap<>(from.files());
    marks.keySet().removeAll(available.skipped());
    long rowBytes = Math.max(1, dataset.layout().rowBytes());
    long rows = 0;
    long files = 0;
    for (Map.Entry<String, FileMark> entry : available.files().entrySet()) {
      String path = entry.getKey();
      FileMark mark = entry.getValue();
      long first = from.rows(path);
      long pending = mark.rows() - first;
      if (pending <= 0) {
        continue;
      }
      long byBytes = admission.maxBytes() == StreamOptions.UNLIMITED ? StreamOptions.UNLIMITED
          : Math.max(rows == 0 ? 1 : 0, admission.maxBytes() / rowBytes - rows);
      long take = Math.min(pending, Math.min(admission.maxRows() - rows, byBytes));
      if (files >= admission.maxFiles() || take <= 0) {
        break;
      }
      marks.put(path, mark.withRows(first + take));
      rows += take;
      files++;
    }
    return new StreamOffset(available.arrayKind(), marks, available.skipped());
  }

  /**
   * The partitions of the rows after {@code start} up to {@code end}: each file's new rows as a row range, planned
   * as a batch read plans its selected rows. A file is checked once more first, against what {@code end} recorded
   * of it.
   */
  @Override
  public synchronized InputPartition[] planInputPartitions(Offset start, Offset end) {
    StreamOffset from = asStreamOffset(start);
    StreamOffset to = asStreamOffset(end);
    List<ArrayFile> files = new ArrayList<>();
    List<RowSelection> rows = new ArrayList<>();
    try {
      for (Map.Entry<String, FileMark> entry : to.files().entrySet()) {
        String path = entry.getKey();
        FileMark mark = entry.getValue();
        long first = from.rows(path);
        if (mark.rows() <= first) {
          continue;
        }
        Seen now = tail.lookAgain(path);
        String change = changeOf(now, mark);
        if (change != null) {
          leaveOut(path, change, first);
          continue;
        }
        files.add(now.file());
        rows.add(RowSelection.range(first, mark.rows()));
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e.getMessage(), e);
    }
    return PartitionPlanner.plan(SelectedRows.of(files, rows), dataset.layout(), readOptions)
        .toArray(new InputPartition[0]);
  }

  @Override
  public PartitionReaderFactory createReaderFactory() {
    return scan.createReaderFactory();
  }

  /**
   * {@code rowsBehindLatest} and {@code filesBehindLatest}: the rows visible at the last look that the consumed
   * offset has not reached, and the files holding them; {@code filesSkipped}: files left out for good.
   */
  @Override
  public synchronized Map<String, String> metrics(Optional<Offset> latestConsumedOffset) {
    if (latestAvailable == null) {
      return Map.of();
    }
    StreamOffset consumed = latestConsumedOffset.map(this::asStreamOffset).orElse(null);
    long rowsBehind = 0;
    long filesBehind = 0;
    for (Map.Entry<String, FileMark> entry : latestAvailable.files().entrySet()) {
      long behind = entry.getValue().rows() - (consumed == null ? 0 : consumed.rows(entry.getKey()));
      if (behind > 0) {
        rowsBehind += behind;
        filesBehind++;
      }
    }
    return Map.of("rowsBehindLatest", Long.toString(rowsBehind), "filesBehindLatest", Long.toString(filesBehind),
        "filesSkipped", Integer.toString(latestAvailable.skipped().size()));
  }

  private StreamOffset asStreamOffset(Offset offset) {
    return offset instanceof StreamOffset stream ? checked(stream) : checked(StreamOffset.fromJson(offset.json()));
  }

  /** An offset of this stream's kind of array: a checkpoint of other arrays is refused. */
  private StreamOffset checked(StreamOffset offset) {
    if (!offset.arrayKind().equals(dataset.arrayKind())) {
      throw new IllegalStateException(PathOptions.about(String.join(", ", readOptions.paths()), "the checkpoint's "
          + "offsets are of files of " + offset.arrayKind() + ", but the files now are of " + dataset.arrayKind()
          + "; a checkpoint belongs to one stream of arrays"));
    }
    return offset;
  }

  @Override
  public void commit(Offset end) {
    // nothing to clean up: the files are the producer's
  }

  @Override
  public void stop() {
    // nothing held open between batches
  }

  @Override
  public String toString() {
    return "NpyMicroBatchStream " + dataset.describe();
  }
}
