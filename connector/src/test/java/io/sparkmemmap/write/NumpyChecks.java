package io.sparkmemmap.write;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkmemmap.Python;
import io.sparkmemmap.SparkValues;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/** What the write tests ask NumPy about the files Spark wrote. */
final class NumpyChecks {
  /**
   * {@code check(f)}: opens {@code f} as {@code np.load(mmap_mode='r')} does, and asserts that {@code np.save} of
   * the same array gives the same bytes (header included); returns the array.
   */
  static final String CHECK = String.join("\n",
      "import io",
      "def check(f):",
      "    a = np.load(f, mmap_mode='r')",
      "    buf = io.BytesIO()",
      "    np.save(buf, np.ascontiguousarray(a))",
      "    with open(f, 'rb') as fh:",
      "        assert fh.read() == buf.getvalue(), f + ' differs from what np.save writes for ' + str(a.dtype) + str(a.shape)",
      "    return a",
      "def parts(d, suffix='.npy'):",
      "    import os",
      "    return sorted(os.path.join(d, n) for n in os.listdir(d) if n.endswith(suffix))",
      "");

  private NumpyChecks() {}

  /** Runs a script after {@link #CHECK} and parses what it emitted. */
  static Object run(String script) {
    return SparkValues.parseJson(Python.run(CHECK + script));
  }

  /**
   * The single file at {@code file}: its descr (as {@code np.lib.format.dtype_to_descr}), shape, and values in
   * canonical form; and it is exactly what {@code np.save} writes.
   */
  @SuppressWarnings("unchecked")
  static Map<String, Object> singleFile(Path file) {
    return (Map<String, Object>) run(String.join("\n",
        "a = check(" + Python.literal(file) + ")",
        "emit({'descr': str(np.lib.format.dtype_to_descr(a.dtype)), 'shape': list(a.shape), 'values': canon(a)})"));
  }

  /**
   * The directory at {@code dir}: every part checked as a single file, and all of them concatenated along axis 0,
   * in name order, as the reader reads them.
   */
  @SuppressWarnings("unchecked")
  static Map<String, Object> directory(Path dir) {
    assertTrue(Files.exists(dir.resolve("_SUCCESS")), "no _SUCCESS in " + dir);
    return (Map<String, Object>) run(String.join("\n",
        "ps = parts(" + Python.literal(dir) + ")",
        "assert ps, 'no parts'",
        "arrays = [check(p) for p in ps]",
        "assert len({(x.dtype, x.shape[1:]) for x in arrays}) == 1, 'parts disagree'",
        "a = np.concatenate(arrays)",
        "emit({'descr': str(np.lib.format.dtype_to_descr(a.dtype)), 'shape': list(a.shape), 'values': canon(a),",
        "      'parts': len(ps)})"));
  }

  /** Nothing at {@code target}, and no staging directory left beside it. */
  static void assertNothingAt(Path target) {
    assertFalse(Files.exists(target), target + " exists");
    assertNoStaging(target);
  }

  /** No hidden staging directory of a write to {@code target} is left in its parent. */
  static void assertNoStaging(Path target) {
    try (Stream<Path> siblings = Files.list(target.getParent())) {
      List<String> left = siblings.map(p -> p.getFileName().toString())
          .filter(n -> n.startsWith("." + target.getFileName() + ".spark-memmap-"))
          .toList();
      assertEquals(List.of(), left, "staging left behind");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The regular files at {@code path} (a directory's, by relative path; a file's under ""), with their bytes. */
  static Map<String, byte[]> snapshot(Path path) throws IOException {
    Map<String, byte[]> files = new TreeMap<>();
    if (Files.isDirectory(path)) {
      try (Stream<Path> walk = Files.walk(path)) {
        for (Path p : walk.filter(Files::isRegularFile).toList()) {
          files.put(path.relativize(p).toString(), Files.readAllBytes(p));
        }
      }
    } else {
      files.put("", Files.readAllBytes(path));
    }
    return files;
  }

  /** The same files with the same bytes, as {@link #snapshot} gives them. */
  static void assertSameFiles(Map<String, byte[]> expected, Map<String, byte[]> actual) {
    assertEquals(expected.keySet(), actual.keySet());
    expected.forEach((name, bytes) -> assertArrayEquals(bytes, actual.get(name), name));
  }

  /** The message of {@code e} and all its causes, for asserting what an error says. */
  static String messages(Throwable e) {
    StringBuilder sb = new StringBuilder();
    for (Throwable t = e; t != null; t = t.getCause()) {
      sb.append(t.getClass().getSimpleName()).append(": ").append(t.getMessage()).append('\n');
    }
    return sb.toString();
  }
}
