package io.sparkmemmap;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * Python scripts with the test resource {@code megatron/megatron_pairs.py} before them: a NumPy-only
 * reimplementation of Megatron's {@code _IndexWriter} ({@code write_pair}, {@code write_index}) and a validator
 * stricter than its reader ({@code validate}, {@code sequences}, {@code documents}). Read from the classpath, so that
 * other modules' tests (the examples') use it from the connector's test jar.
 */
public final class MegatronPython {
  private MegatronPython() {}

  /** Runs {@code script} in {@code workDir} after the prelude of {@link Python} and the resource. */
  public static String run(Path workDir, String script) {
    return Python.run(workDir, resource() + "\n" + script);
  }

  private static String resource() {
    try (InputStream in = MegatronPython.class.getResourceAsStream("/megatron/megatron_pairs.py")) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
