package io.sparkmemmap.read;

import io.sparkmemmap.format.megatron.MegatronFormatException;
import io.sparkmemmap.format.megatron.MegatronIndex;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * Megatron-LM indexed datasets as records: each {@code prefix.idx} + {@code prefix.bin} pair is one input, a
 * sequence one record. A path is a prefix, either file of a pair, a directory (every pair of its {@code .idx}
 * files, in name order) or a glob of any of these (its matches in name order, a pair matched by both its files
 * read once).
 */
final class MegatronRecords implements RecordFormat {
  static final String IDX = ".idx";
  static final String BIN = ".bin";

  @Override
  public String elementColumn() {
    return "tokens";
  }

  @Override
  public List<RecordIndex> resolve(ReadOptions options, Configuration conf) throws IOException {
    if (options.paths().isEmpty()) {
      throw new IllegalArgumentException("no path given: use load(prefix) or option 'path'");
    }
    Set<Path> prefixes = new LinkedHashSet<>();
    for (String given : options.paths()) {
      Path path = new Path(given);
      FileSystem fs = path.getFileSystem(conf);
      if (FileListing.isGlob(given)) {
        FileStatus[] matches = fs.globStatus(path);
        if (matches == null || matches.length == 0) {
          throw new FileNotFoundException("no file matches the path " + given);
        }
        List<FileStatus> sorted = new ArrayList<>(List.of(matches));
        sorted.sort(Comparator.comparing(s -> s.getPath().toString()));
        for (FileStatus match : sorted) {
          addPrefixes(fs, match.getPath(), match, prefixes);
        }
      } else {
        FileStatus status = fs.exists(path) ? fs.getFileStatus(path) : null;
        addPrefixes(fs, fs.makeQualified(path), status, prefixes);
      }
    }
    List<RecordIndex> indexes = new ArrayList<>();
    long documents = 0;
    for (Path prefix : prefixes) {
      MegatronRecordIndex index = MegatronRecordIndex.open(prefix, documents, conf);
      indexes.add(index);
      documents += index.header().documents();
    }
    return indexes;
  }

  /** The prefix a path stands for, or the prefixes of a directory's {@code .idx} files. */
  private static void addPrefixes(FileSystem fs, Path path, FileStatus status, Set<Path> prefixes)
      throws IOException {
    if (status != null && status.isDirectory()) {
      List<FileStatus> inside = new ArrayList<>();
      for (FileStatus child : fs.listStatus(path)) {
        String name = child.getPath().getName();
        if (child.isFile() && name.endsWith(IDX) && !name.startsWith("_") && !name.startsWith(".")) {
          inside.add(child);
        }
      }
      if (inside.isEmpty()) {
        throw new FileNotFoundException("directory " + path + " holds no Megatron .idx files");
      }
      inside.sort(Comparator.comparing(s -> s.getPath().getName()));
      for (FileStatus idx : inside) {
        prefixes.add(prefixOf(idx.getPath()));
      }
      return;
    }
    prefixes.add(prefixOf(path));
  }

  /** {@code /d/x} for {@code /d/x.idx}, {@code /d/x.bin} and {@code /d/x}. */
  static Path prefixOf(Path path) {
    String name = path.getName();
    if (name.endsWith(IDX) || name.endsWith(BIN)) {
      return new Path(path.getParent(), name.substring(0, name.length() - 4));
    }
    return path;
  }

  /** The file of a pair with the given suffix. */
  static Path withSuffix(Path prefix, String suffix) {
    return new Path(prefix.getParent(), prefix.getName() + suffix);
  }

  /** The error for a pair whose half is missing, or a prefix with neither file. */
  static FileNotFoundException missing(Path prefix, boolean idxExists, boolean binExists) {
    if (!idxExists && !binExists) {
      return new FileNotFoundException("path does not exist: neither " + withSuffix(prefix, IDX) + " nor "
          + withSuffix(prefix, BIN) + " (a Megatron dataset is read by the prefix of its .bin and .idx files)");
    }
    Path present = withSuffix(prefix, idxExists ? IDX : BIN);
    Path absent = withSuffix(prefix, idxExists ? BIN : IDX);
    return new FileNotFoundException(new MegatronFormatException(present.toString(), "is half of a Megatron "
        + "dataset: its " + (idxExists ? ".bin" : ".idx") + " file " + absent + " does not exist").getMessage());
  }

  static MegatronIndex readHeader(FileHandle idx, String resource) throws IOException {
    return MegatronIndex.read(idx.reader(), resource);
  }
}
