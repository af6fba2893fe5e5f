package io.sparkmemmap.read;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * The files a read covers, through Hadoop's {@link FileSystem} (local paths, {@code file:}, {@code hdfs:} and any
 * other scheme): a file is read as given; a directory gives its files with the format's suffix in name order
 * (hidden files, starting with {@code _} or {@code .}, left out; in a streaming sink's directory, only the files
 * its commit log lists, {@link SinkCommitLog}); a glob gives its matches in name order, each
 * expanded the same way.
 */
public final class FileListing {
  /**
   * Directories listed at once when a read names several (a glob over partition directories): on a store each
   * listing is a few round trips, which Spark's parallel partition discovery awaits many at a time too.
   */
  private static final int LISTING_THREADS = 16;

  private FileListing() {}

  /** A listed file and the file system it lives on. */
  public record Listed(FileSystem fs, FileStatus status) {
    /** The qualified path, which errors name and tasks open the file by. */
    String path() {
      return status.getPath().toString();
    }

    /** The URI, as the {@code _file} column gives it. */
    String uri() {
      return status.getPath().toUri().toString();
    }
  }

  /**
   * Lists the files of {@code paths} in read order.
   *
   * @param suffix the suffix of the files read from directories, such as {@code .npy}
   */
  public static List<Listed> list(List<String> paths, String suffix, Configuration conf) throws IOException {
    if (paths.isEmpty()) {
      throw new IllegalArgumentException("no path given: use load(path) or option 'path'");
    }
    List<Expansion> expansions = new ArrayList<>();
    for (String given : paths) {
      Path path = new Path(given);
      FileSystem fs = path.getFileSystem(conf);
      List<FileStatus> matches;
      if (isGlob(given)) {
        FileStatus[] globbed = fs.globStatus(path);
        if (globbed == null || globbed.length == 0) {
          throw new FileNotFoundException("no file matches the path " + given);
        }
        matches = new ArrayList<>(Arrays.asList(globbed));
        matches.sort(Comparator.comparing(s -> s.getPath().toString()));
      } else {
        try {
          matches = List.of(fs.getFileStatus(path));
        } catch (FileNotFoundException e) {
          throw new FileNotFoundException("path does not exist: " + given);
        }
      }
      for (FileStatus match : matches) {
        expansions.add(match.isDirectory() ? () -> listDirectory(fs, match.getPath(), suffix)
            : () -> List.of(new Listed(fs, match)));
      }
    }
    List<Listed> result = new ArrayList<>();
    for (List<Listed> expanded : InParallel.map(expansions, LISTING_THREADS, "npy-directory-lister",
        Expansion::files)) {
      result.addAll(expanded);
    }
    return result;
  }

  /** The files a match stands for: itself, or a directory's files. */
  private interface Expansion {
    List<Listed> files() throws IOException;
  }

  /** A directory's files with the suffix, in name order; in a sink's directory, the committed ones. */
  private static List<Listed> listDirectory(FileSystem fs, Path dir, String suffix) throws IOException {
    Optional<Set<String>> committed = SinkCommitLog.committedFiles(fs, dir);
    List<FileStatus> inside = new ArrayList<>();
    for (FileStatus child : fs.listStatus(dir)) {
      String name = child.getPath().getName();
      if (child.isFile() && name.endsWith(suffix) && !name.startsWith("_") && !name.startsWith(".")
          && committed.map(files -> files.contains(name)).orElse(true)) {
        inside.add(child);
      }
    }
    if (committed.isPresent()) {
      checkCommittedPresent(dir, committed.get(), suffix, inside);
    }
    if (inside.isEmpty()) {
      throw new FileNotFoundException("directory " + dir + " holds no "
          + (committed.isPresent() ? "committed " : "") + suffix + " files");
    }
    inside.sort(Comparator.comparing(s -> s.getPath().getName()));
    return inside.stream().map(s -> new Listed(fs, s)).toList();
  }

  /** A file a sink directory's commit log lists must be there: rows are never left out silently. */
  private static void checkCommittedPresent(Path dir, Set<String> committed, String suffix, List<FileStatus> listed)
      throws IOException {
    Set<String> present = new HashSet<>();
    listed.forEach(status -> present.add(status.getPath().getName()));
    for (String name : committed) {
      if (name.endsWith(suffix) && !present.contains(name)) {
        throw new IOException("directory " + dir + ": its streaming commit log (" + SinkCommitLog.DIRECTORY
            + ") lists " + name + ", which is missing");
      }
    }
  }

  /** Whether a path is a pattern Hadoop expands. */
  public static boolean isGlob(String path) {
    for (char c : path.toCharArray()) {
      if (c == '*' || c == '?' || c == '[' || c == '{') {
        return true;
      }
    }
    return false;
  }
}
