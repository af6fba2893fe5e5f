package io.sparkmemmap.it.jobs;

import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Properties;

/** How a job hands its findings to the test that submitted it: a properties file, there whole or not at all. */
final class JobResult {
  private JobResult() {}

  static void write(Properties result, Path file, String jobName) throws IOException {
    Path partial = file.resolveSibling(file.getFileName() + ".partial");
    try (Writer out = Files.newBufferedWriter(partial, StandardCharsets.UTF_8)) {
      result.store(out, jobName);
    }
    Files.move(partial, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }
}
