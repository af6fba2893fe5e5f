package io.sparkmemmap.read;

import io.sparkmemmap.format.ragged.RaggedData;
import io.sparkmemmap.format.ragged.RaggedFormatException;
import io.sparkmemmap.format.ragged.RaggedIndex;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * Ragged arrays as records: each row one record of the flat data array. A path is a directory holding
 * {@code data.npy} and {@code index.npy} (or a glob of such directories, read as one dataset in name order); with
 * option {@code index}, the path is the data file itself, a {@code .npy} or, with option {@code dtype} (and
 * {@code offset}), a raw file as {@code np.memmap} maps it.
 */
final class RaggedRecords implements RecordFormat {
  static final String VALUE = "value";

  @Override
  public String elementColumn() {
    return VALUE;
  }

  @Override
  public List<RecordIndex> resolve(ReadOptions options, Configuration conf) throws IOException {
    List<String> paths = options.paths();
    if (options.index() != null) {
      if (paths.size() != 1 || FileListing.isGlob(paths.get(0))) {
        throw new IllegalArgumentException(PathOptions.about(String.join(", ", paths), "option '"
            + ReadOptions.INDEX + "' gives the index of one data file, so load exactly one file with it"));
      }
      return List.of(RaggedRecordIndex.open(new Path(paths.get(0)), new Path(options.index()), options, conf));
    }
    if (options.memmapDType() != null) {
      throw new IllegalArgumentException(PathOptions.about(String.join(", ", paths), "option '" + ReadOptions.DTYPE
          + "' describes a raw data file read with option '" + ReadOptions.INDEX + "'; in a directory the data is "
          + RaggedData.FILE_NAME + ", whose header gives the dtype"));
    }
    List<RecordIndex> indexes = new ArrayList<>();
    for (String given : paths) {
      for (Path dir : directories(given, conf)) {
        indexes.add(RaggedRecordIndex.open(new Path(dir, RaggedData.FILE_NAME), new Path(dir, RaggedIndex.FILE_NAME),
            options, conf));
      }
    }
    return indexes;
  }

  /** The directories a path names: itself, or the matches of a glob in name order. */
  private static List<Path> directories(String given, Configuration conf) throws IOException {
    Path path = new Path(given);
    FileSystem fs = path.getFileSystem(conf);
    List<FileStatus> found = new ArrayList<>();
    if (FileListing.isGlob(given)) {
      FileStatus[] matches = fs.globStatus(path);
      if (matches != null) {
        found.addAll(List.of(matches));
      }
      if (found.isEmpty()) {
        throw new FileNotFoundException("no file matches the path " + given);
      }
      found.sort(Comparator.comparing(status -> status.getPath().toString()));
    } else if (fs.exists(path)) {
      found.add(fs.getFileStatus(path));
    } else {
      throw new FileNotFoundException("path does not exist: " + fs.makeQualified(path));
    }
    List<Path> dirs = new ArrayList<>();
    for (FileStatus status : found) {
      if (!status.isDirectory()) {
        throw new RaggedFormatException(status.getPath().toString(), "is a file, but a ragged array is read from a "
            + "directory holding " + RaggedData.FILE_NAME + " and " + RaggedIndex.FILE_NAME + ", or from a data file "
            + "with option '" + ReadOptions.INDEX + "' giving its index");
      }
      dirs.add(fs.makeQualified(status.getPath()));
    }
    return dirs;
  }
}
