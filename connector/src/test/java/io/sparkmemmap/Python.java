package io.sparkmemmap;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Runs Python snippets with NumPy, for tests that check files against what NumPy itself writes and reads. Every
 * snippet starts with {@link #PRELUDE}: {@code np}, {@code json}, and {@code canon(a)}, which turns an array into
 * the canonical JSON form {@link SparkValues#canonical} gives Spark values, so the two can be compared.
 */
public final class Python {
  /**
   * {@code canon(a)}: nested lists for array axes, dicts for structured items and complex numbers, ints, floats
   * (non-finite ones as 'nan', 'inf', '-inf'), hex strings for bytes and void, and Spark's encoding of temporal
   * values: dates as days, datetimes and timedeltas as microseconds, calendar timedeltas as months, NaT as null.
   */
  public static final String PRELUDE = String.join("\n",
      "import json, math, sys",
      "import numpy as np",
      "def _float(v):",
      "    f = float(v)",
      "    return f if math.isfinite(f) else repr(f)",
      "def _scalar(v, dt):",
      "    k = dt.kind",
      "    if k == 'b': return bool(v)",
      "    if k in 'iu': return int(v)",
      "    if k == 'f': return _float(v)",
      "    if k == 'c': return {'real': _float(v.real), 'imag': _float(v.imag)}",
      "    if k == 'M':",
      "        if np.isnat(v): return None",
      "        unit = np.datetime_data(dt)[0]",
      "        target = 'M8[D]' if unit in ('Y', 'M', 'W', 'D') else 'M8[us]'",
      "        return int(np.asarray(v, dt).astype(target).astype('i8'))",
      "    if k == 'm':",
      "        if np.isnat(v): return None",
      "        unit = np.datetime_data(dt)[0]",
      "        target = 'm8[M]' if unit in ('Y', 'M') else 'm8[us]'",
      "        return int(np.asarray(v, dt).astype(target).astype('i8'))",
      "    if k == 'S': return bytes(v).hex()",
      "    if k == 'U': return str(v)",
      "    if k == 'V': return np.asarray(v, dt).tobytes().hex()",
      "    raise ValueError('no canonical form for ' + str(dt))",
      "def canon(a):",
      "    a = np.asarray(a)",
      "    if a.ndim > 0: return [canon(x) for x in a]",
      "    if a.dtype.names is not None:",
      "        return {n: canon(a[n]) for n in a.dtype.names}",
      "    return _scalar(a[()], a.dtype)",
      "def emit(obj):",
      "    print(json.dumps(obj))",
      "");

  private Python() {}

  /** Runs {@code script} (after the prelude) and returns what it printed; a failure fails the test. */
  public static String run(String script) {
    return run(null, script);
  }

  /**
   * Runs {@code script} (after the prelude) in {@code workDir}, where it finds files by relative names, and returns
   * what it printed; a failure fails the test.
   */
  public static String run(Path workDir, String script) {
    try {
      Path file = java.nio.file.Files.createTempFile("spark-memmap-test", ".py");
      try {
        java.nio.file.Files.writeString(file, PRELUDE + script);
        List<String> command = new ArrayList<>(List.of("python3", file.toString()));
        ProcessBuilder builder = new ProcessBuilder(command);
        if (workDir != null) {
          builder.directory(workDir.toFile());
        }
        Process process = builder.start();
        CompletableFuture<String> stderr = CompletableFuture.supplyAsync(() -> readAll(process.getErrorStream()));
        String stdout = readAll(process.getInputStream());
        if (!process.waitFor(5, TimeUnit.MINUTES)) {
          process.destroyForcibly();
          fail("python did not finish in 5 minutes:\n" + script);
        }
        if (process.exitValue() != 0) {
          fail("python failed with exit code " + process.exitValue() + ":\n" + stderr.join() + "\nscript:\n" + script);
        }
        return stdout;
      } finally {
        java.nio.file.Files.deleteIfExists(file);
      }
    } catch (IOException e) {
      throw new AssertionError("cannot run python3", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  /** Python's string literal of a path, for scripts. */
  public static String literal(Path path) {
    return literal(path.toAbsolutePath().toString());
  }

  /** Python's list literal of strings, for scripts. */
  public static String literal(List<String> items) {
    StringBuilder sb = new StringBuilder("[");
    for (String item : items) {
      sb.append(literal(item)).append(", ");
    }
    return sb.append(']').toString();
  }

  /** Python's string literal of a string, for scripts. */
  public static String literal(String text) {
    StringBuilder sb = new StringBuilder("'");
    for (char c : text.toCharArray()) {
      if (c == '\\' || c == '\'') {
        sb.append('\\');
      }
      sb.append(c);
    }
    return sb.append('\'').toString();
  }

  private static String readAll(InputStream in) {
    try (in) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
