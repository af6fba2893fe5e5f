package io.sparkmemmap.format;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Runs a Python script with the real NumPy, in a directory of the test's own. */
final class Python {
  private Python() {}

  /** Runs {@code script} in {@code workDir} and returns its standard output; a failing script fails the test. */
  static String run(Path workDir, String script) throws IOException, InterruptedException {
    Path scriptFile = Files.createTempFile(workDir, "script", ".py");
    Path stderr = Files.createTempFile(workDir, "stderr", ".txt");
    Files.writeString(scriptFile, script, StandardCharsets.UTF_8);
    Process process = new ProcessBuilder("python3", scriptFile.toString())
        .directory(workDir.toFile())
        .redirectError(stderr.toFile())
        .start();
    process.getOutputStream().close();
    String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    int exit = process.waitFor();
    if (exit != 0) {
      throw new AssertionError(
          "python3 failed (exit " + exit + "):\n" + Files.readString(stderr) + "\nscript:\n" + script);
    }
    return out;
  }
}
