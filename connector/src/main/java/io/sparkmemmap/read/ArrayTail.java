package io.sparkmemmap.read;

import io.sparkmemmap.ArrayFormat;
import io.sparkmemmap.read.FileListing.Listed;
import io.sparkmemmap.read.StreamOffset.FileMark;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.zip.CRC32C;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * What a stream sees of the files it tails, on the driver: the files at its paths now, and for each the rows its
 * header makes visible ({@code npy}: the header's shape, rewritten in place when rows are appended; {@code memmap}:
 * the whole rows in the file), and the first bytes of its data and of its last row, by which a replaced file is
 * told from a grown one.
 *
 * <p>A file whose length and time of last change are those of the last look, and whose header accounted for all
 * of its bytes then, is not read again: a look costs a listing, and header reads only for the files that changed.
 * A file with bytes past what its header covers is read at every look, because the header that commits those rows
 * is rewritten without changing the length.
 */
final class ArrayTail {
  private final ReadOptions options;
  private final Configuration conf;
  private final Map<String, Seen> lastSeen = new HashMap<>();

  ArrayTail(ReadOptions options, Configuration conf) {
    this.options = options;
    this.conf = conf;
  }

  /**
   * One file as a look found it: described, or with the problem that kept it from being described.
   *
   * @param status the file's status when listed
   * @param file the array, as a batch read would plan it; {@code null} when {@code problem} is set
   * @param kind the kind of array ({@link NpyDataset#arrayKind()}); {@code null} when {@code problem} is set
   * @param stride bytes from one row to the next in the data's first run of bytes
   * @param prefix the first bytes of the data, up to {@link StreamOffset#CHECKED_BYTES} of its rows
   * @param lastRowChecksum the checksum of the last row's first bytes ({@link #rowChecksum}); 0 without rows
   * @param problem why the file could not be described, or {@code null}
   */
  record Seen(FileStatus status, ArrayFile file, String kind, int stride, byte[] prefix, long lastRowChecksum,
      String problem) {
    long rows() {
      return file.rows();
    }

    /** A mark of {@code admitted} rows of this file, checked by the first bytes of its data and its last row now. */
    FileMark mark(long admitted) {
      return new FileMark(admitted, file.dataOffset(), prefix.length, checksum(prefix, prefix.length), rows() - 1,
          lastRowChecksum);
    }

    /**
     * Whether a later look may take this one as is while the file's length and time of change stay the same: the
     * header (if any) accounts for every byte, so rows can only be added by making the file longer.
     */
    private boolean settled(boolean headerless) {
      return problem == null && (headerless || status.getLen() == file.dataOffset() + file.dataLength());
    }
  }

  /** The files at the stream's paths now, by qualified path, in path order. */
  Map<String, Seen> look() throws IOException {
    List<Listed> listed;
    try {
      listed = FileListing.list(options.paths(), NpyDataset.fileSuffix(options), conf);
    } catch (FileNotFoundException e) {
      listed = List.of(); // every file the stream knew has vanished
    }
    Map<String, Seen> now = new TreeMap<>();
    for (Listed file : listed) {
      Seen before = lastSeen.get(file.path());
      boolean unchanged = before != null && before.settled(headerless())
          && before.status().getLen() == file.status().getLen()
          && before.status().getModificationTime() == file.status().getModificationTime();
      now.put(file.path(), unchanged ? before : describe(file));
    }
    lastSeen.keySet().retainAll(now.keySet());
    lastSeen.putAll(now);
    return now;
  }

  /** One file as it is now, read afresh; {@code null} when it no longer exists. */
  Seen lookAgain(String path) throws IOException {
    Path hadoopPath = new Path(path);
    FileSystem fs = hadoopPath.getFileSystem(conf);
    FileStatus status;
    try {
      status = fs.getFileStatus(hadoopPath);
    } catch (FileNotFoundException e) {
      lastSeen.remove(path);
      return null;
    }
    Seen seen = describe(new Listed(fs, status));
    lastSeen.put(path, seen);
    return seen;
  }

  /**
   * How the file {@code now} differs from the one {@code mark} was taken of, as the end of a sentence naming the
   * file, or {@code null} when it is the same file with at least as many rows. Reads the row the mark checked when
   * the file has grown since.
   */
  String changeSince(Seen now, FileMark mark, String streamKind) {
    if (now == null) {
      return "vanished";
    }
    if (now.problem() != null) {
      return "can no longer be read as before: " + now.problem();
    }
    if (!now.kind().equals(streamKind)) {
      return "was replaced: it now holds " + now.kind() + ", where the stream reads " + streamKind;
    }
    ArrayFile file = now.file();
    if (file.dataOffset() != mark.dataOffset()) {
      return "was replaced: its data now starts at byte " + file.dataOffset() + ", not " + mark.dataOffset();
    }
    if (now.rows() < mark.rows() || now.rows() <= mark.lastRow() || now.prefix().length < mark.checkedBytes()) {
      return "shrank: it has " + now.rows() + " rows, but the stream has already seen " + (mark.lastRow() + 1);
    }
    if (checksum(now.prefix(), mark.checkedBytes()) != mark.checksum()) {
      return "was replaced: the first " + mark.checkedBytes() + " bytes of its data are not those the stream "
          + "read";
    }
    if (mark.lastRow() >= 0) {
      long lastRow;
      try {
        lastRow = mark.lastRow() == now.rows() - 1 ? now.lastRowChecksum() : rowChecksum(now, mark.lastRow());
      } catch (IOException e) {
        return "can no longer be read as before: " + e.getMessage();
      }
      if (lastRow != mark.lastRowChecksum()) {
        return "was replaced: its row " + mark.lastRow() + " is not the one the stream saw";
      }
    }
    return null;
  }

  private Seen describe(Listed listed) throws IOException {
    NpyDataset described;
    try {
      described = NpyDataset.of(List.of(listed), options, conf, true);
    } catch (IOException | RuntimeException e) {
      if (e instanceof java.io.InterruptedIOException) {
        throw (java.io.InterruptedIOException) e;
      }
      return unreadable(listed, String.valueOf(e.getMessage()));
    }
    ArrayFile file = described.files().get(0);
    if (file.entry() != null) {
      return unreadable(listed, file.describe() + ": an .npz archive cannot grow in place; a stream reads .npy "
          + "files");
    }
    int stride = described.layout().stride();
    byte[] prefix = new byte[(int) Math.min(StreamOffset.CHECKED_BYTES, file.rows() * stride)];
    Seen seen;
    try (FileHandle handle = FileHandle.open(file.path(), listed.status().getLen(), conf)) {
      handle.readFully(file.dataOffset(), prefix, 0, prefix.length);
      seen = new Seen(listed.status(), file, described.arrayKind(), stride, prefix, 0, null);
      if (file.rows() > 0) {
        seen = new Seen(listed.status(), file, described.arrayKind(), stride, prefix,
            rowChecksum(seen, handle, file.rows() - 1), null);
      }
    } catch (IOException e) {
      return unreadable(listed, String.valueOf(e.getMessage()));
    }
    return seen;
  }

  private static Seen unreadable(Listed listed, String problem) {
    return new Seen(listed.status(), null, null, 0, null, 0, problem);
  }

  /** The checksum of the first bytes (up to {@link StreamOffset#CHECKED_BYTES}) of a row in the data's first run. */
  private long rowChecksum(Seen seen, long row) throws IOException {
    try (FileHandle handle = FileHandle.open(seen.file().path(), seen.status().getLen(), conf)) {
      return rowChecksum(seen, handle, row);
    }
  }

  private static long rowChecksum(Seen seen, FileHandle handle, long row) throws IOException {
    byte[] bytes = new byte[Math.min(StreamOffset.CHECKED_BYTES, seen.stride())];
    handle.readFully(seen.file().dataOffset() + row * seen.stride(), bytes, 0, bytes.length);
    return checksum(bytes, bytes.length);
  }

  private static long checksum(byte[] bytes, int length) {
    CRC32C crc = new CRC32C();
    crc.update(bytes, 0, length);
    return crc.getValue();
  }

  /** Whether the stream reads headerless files, whose rows are visible by their size alone. */
  private boolean headerless() {
    return options.format() == ArrayFormat.MEMMAP;
  }
}
