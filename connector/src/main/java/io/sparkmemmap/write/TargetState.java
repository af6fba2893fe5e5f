package io.sparkmemmap.write;

import io.sparkmemmap.write.OutputFiles.PathState;
import java.io.IOException;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * The target of a write as planning finds it: the path qualified on its file system, the file operations that
 * publish there, and what is at the path now.
 */
record TargetState(Path path, OutputFiles files, PathState state) {

  /**
   * Qualifies {@code given} and looks at what is there.
   *
   * @throws IllegalArgumentException for the root directory, and for anything at the path when {@code mode} is
   *     {@link WriteMode#CREATE}
   */
  static TargetState of(String given, Configuration conf, WriteMode mode) throws IOException {
    Path target = new Path(given);
    FileSystem fs = target.getFileSystem(conf);
    target = fs.makeQualified(target);
    if (target.getParent() == null) {
      throw new IllegalArgumentException("cannot write to the root directory " + target + ": give a path below it");
    }
    OutputFiles files = OutputFiles.of(fs, conf);
    PathState state = files.state(target);
    if (mode == WriteMode.CREATE && state != PathState.MISSING) {
      throw new IllegalArgumentException("path " + target + " already exists");
    }
    return new TargetState(target, files, state);
  }

  /** The job's hidden staging directory: a sibling of the target, so that renames stay on one volume. */
  Path staging(String queryId) {
    return new Path(path.getParent(), "." + path.getName() + ".spark-memmap-" + queryId);
  }
}
