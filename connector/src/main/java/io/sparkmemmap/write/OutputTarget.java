package io.sparkmemmap.write;

import org.apache.hadoop.fs.Path;

/**
 * Where a job publishes, decided on the driver before tasks run.
 *
 * @param path the qualified target path
 * @param singleFile whether the output is one file (option singleFile, or an append to an existing file)
 * @param staging the job's hidden staging directory, a sibling of {@code path} so that renames stay on one volume
 */
record OutputTarget(Path path, WriteMode mode, boolean singleFile, Path staging) {

  String describe() {
    return path.toString();
  }
}
