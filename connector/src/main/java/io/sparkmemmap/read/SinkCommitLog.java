package io.sparkmemmap.read;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * The commit log of a directory a streaming query writes into, as Spark's file sink keeps {@code _spark_metadata}:
 * {@code dir/_memmap_metadata/<epoch>}, one small file per committed micro-batch, naming the part files that
 * micro-batch added. The sink writes an entry after the micro-batch's parts are in the directory, by one rename, so
 * a directory read by this connector holds exactly the files of committed entries: parts of a micro-batch cut
 * short by a crash are left out, and a replayed micro-batch finds its entry and adds nothing. A directory without
 * the log is read as any other.
 *
 * <p>An entry is text: the line {@code v1}, the line {@code query <id>} (the streaming query that wrote it), then
 * one line per file name, in row order. Every {@value #COMPACT_INTERVAL}th entry, {@code <epoch>.compact}, lists
 * the files of every epoch up to its own, so that a read takes the latest of those and the few entries after it
 * rather than one file per micro-batch the query ever ran (as Spark's file sink compacts its log).
 */
public final class SinkCommitLog {
  /** The log's directory inside the sink's directory; hidden from directory reads by its leading underscore. */
  public static final String DIRECTORY = "_memmap_metadata";
  /** Epochs {@code 9, 19, 29, ...} are written as compact entries. */
  public static final int COMPACT_INTERVAL = 10;
  private static final String COMPACT = ".compact";
  private static final String VERSION = "v1";
  private static final String QUERY = "query ";

  private SinkCommitLog() {}

  /**
   * One committed micro-batch.
   *
   * @param queryId the id of the streaming query (kept across restarts from its checkpoint) that committed it
   * @param files names of the part files it added, in row order
   */
  public record Entry(long epoch, String queryId, List<String> files) {
    public byte[] encode() {
      StringBuilder text = new StringBuilder(VERSION).append('\n').append(QUERY).append(queryId).append('\n');
      files.forEach(file -> text.append(file).append('\n'));
      return text.toString().getBytes(StandardCharsets.UTF_8);
    }
  }

  /** Where the log of a sink directory is. */
  public static Path directoryOf(Path sinkDir) {
    return new Path(sinkDir, DIRECTORY);
  }

  /** Where the entry of {@code epoch} is, or goes. */
  public static Path entryPath(Path sinkDir, long epoch) {
    return new Path(directoryOf(sinkDir), epoch + (isCompact(epoch) ? COMPACT : ""));
  }

  /** Whether the entry of {@code epoch} lists the files of every epoch up to it, not its own only. */
  public static boolean isCompact(long epoch) {
    return epoch % COMPACT_INTERVAL == COMPACT_INTERVAL - 1;
  }

  /** Whether {@code dir} has a log, which makes it a sink directory. */
  public static boolean exists(FileSystem fs, Path dir) throws IOException {
    return fs.exists(directoryOf(dir));
  }

  /** The entry of {@code epoch}, if that micro-batch was committed. */
  public static Optional<Entry> entry(FileSystem fs, Path dir, long epoch) throws IOException {
    Path path = entryPath(dir, epoch);
    try (InputStream in = fs.open(path)) {
      return Optional.of(parse(epoch, new String(in.readAllBytes(), StandardCharsets.UTF_8), path));
    } catch (FileNotFoundException e) {
      return Optional.empty();
    }
  }

  /** The entry of the highest committed epoch; empty when the log holds none (or there is no log). */
  public static Optional<Entry> latest(FileSystem fs, Path dir) throws IOException {
    List<Long> epochs = epochs(fs, dir);
    return epochs.isEmpty() ? Optional.empty() : entry(fs, dir, epochs.get(epochs.size() - 1));
  }

  /**
   * The files of every committed entry, in epoch order; empty when {@code dir} has no log, and is read as a plain
   * directory.
   */
  public static Optional<Set<String>> committedFiles(FileSystem fs, Path dir) throws IOException {
    if (!exists(fs, dir)) {
      return Optional.empty();
    }
    return Optional.of(filesUpTo(fs, dir, Long.MAX_VALUE));
  }

  /** The files of the committed entries up to {@code lastEpoch}, from the latest compact entry on. */
  public static Set<String> filesUpTo(FileSystem fs, Path dir, long lastEpoch) throws IOException {
    List<Long> epochs = epochs(fs, dir).stream().filter(epoch -> epoch <= lastEpoch).toList();
    int from = 0;
    for (int i = epochs.size() - 1; i > 0; i--) {
      if (isCompact(epochs.get(i))) {
        from = i;
        break;
      }
    }
    Set<String> files = new LinkedHashSet<>();
    for (long epoch : epochs.subList(from, epochs.size())) {
      entry(fs, dir, epoch).ifPresent(entry -> files.addAll(entry.files()));
    }
    return files;
  }

  /** The committed epochs, ascending; a rename in progress ({@code .<epoch>.tmp}) is not one. */
  private static List<Long> epochs(FileSystem fs, Path dir) throws IOException {
    List<Long> epochs = new ArrayList<>();
    FileStatus[] entries;
    try {
      entries = fs.listStatus(directoryOf(dir));
    } catch (FileNotFoundException e) {
      return epochs;
    }
    for (FileStatus status : entries) {
      String name = status.getPath().getName();
      String number = name.endsWith(COMPACT) ? name.substring(0, name.length() - COMPACT.length()) : name;
      if (status.isFile() && !number.isEmpty() && number.length() < 19 && number.chars().allMatch(Character::isDigit)
          && name.equals(entryPath(dir, Long.parseLong(number)).getName())) {
        epochs.add(Long.parseLong(number));
      }
    }
    epochs.sort(null);
    return epochs;
  }

  static Entry parse(long epoch, String text, Path path) throws IOException {
    String[] lines = text.split("\n", -1);
    if (lines.length < 3 || !VERSION.equals(lines[0]) || !lines[1].startsWith(QUERY)
        || !lines[lines.length - 1].isEmpty()) {
      throw new IOException(path + " is not an entry of a streaming sink's commit log (" + DIRECTORY + "): it "
          + "should start with the lines '" + VERSION + "' and 'query <id>', and end with a newline");
    }
    List<String> files = new ArrayList<>();
    for (int i = 2; i < lines.length - 1; i++) {
      files.add(lines[i]);
    }
    return new Entry(epoch, lines[1].substring(QUERY.length()), List.copyOf(files));
  }
}
