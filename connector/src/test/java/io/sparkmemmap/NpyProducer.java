package io.sparkmemmap;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * The NumPy producer of growing arrays the stream tests use ({@code npy_producer.py}): {@code create},
 * {@code append} (data first, then the header's shape, in place), {@code replace}, {@code rows_of} and
 * {@code check}. Row {@code r} of array {@code k} starts with {@code k * 10^9 + r * cols}.
 */
public final class NpyProducer {
  private NpyProducer() {}

  /** Runs the producer's functions, then {@code calls} (lines of Python), in {@code dir}. */
  public static String run(Path dir, String... calls) {
    return Python.run(dir, script() + "\n" + String.join("\n", calls) + "\n");
  }

  private static String script() {
    try (InputStream in = NpyProducer.class.getResourceAsStream("/io/sparkmemmap/read/npy_producer.py")) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }
}
