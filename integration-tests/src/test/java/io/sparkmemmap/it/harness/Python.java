package io.sparkmemmap.it.harness;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs a Python 3 script with NumPy ({@code python3 -c <script> <args>}): files made and checked by real NumPy.
 * A script reports by printing; a non-zero exit (an AssertionError, say) fails the test with its output.
 */
public final class Python {
  private static final long LIMIT_SECONDS = 120;

  private Python() {}

  /** Runs {@code script} with {@code sys.argv[1:] = args} and returns what it printed on stdout, trimmed. */
  public static String run(String script, Object... args) {
    List<String> command = new ArrayList<>(List.of("python3", "-c", script));
    for (Object arg : args) {
      command.add(String.valueOf(arg));
    }
    try {
      Path stdout = Files.createTempFile("python-", ".stdout");
      Path stderr = Files.createTempFile("python-", ".stderr");
      try {
        Process process = new ProcessBuilder(command)
            .redirectOutput(stdout.toFile())
            .redirectError(stderr.toFile())
            .start();
        process.getOutputStream().close();
        boolean finished;
        try {
          finished = process.waitFor(LIMIT_SECONDS, TimeUnit.SECONDS);
        } finally {
          process.destroyForcibly();
        }
        if (!finished) {
          throw new AssertionError("python3 did not finish within " + LIMIT_SECONDS + " s: " + script);
        }
        String printed = Files.readString(stdout, StandardCharsets.UTF_8);
        if (process.exitValue() != 0) {
          throw new AssertionError("python3 exited with " + process.exitValue() + "\nscript:\n" + script
              + "\nargs: " + List.of(args) + "\nstdout:\n" + printed + "\nstderr:\n"
              + Files.readString(stderr, StandardCharsets.UTF_8));
        }
        return printed.trim();
      } finally {
        Files.deleteIfExists(stdout);
        Files.deleteIfExists(stderr);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot run python3 (is it installed, with numpy?)", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted while python3 ran", e);
    }
  }
}
