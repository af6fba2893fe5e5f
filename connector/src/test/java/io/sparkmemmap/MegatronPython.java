package io.sparkmemmap;

import java.net.URISyntaxException;
import java.nio.file.Path;
import java.nio.file.Paths;

/**
 * Python scripts with the test resource {@code megatron/megatron_pairs.py} imported: a NumPy-only reimplementation
 * of Megatron's {@code _IndexWriter} ({@code write_pair}, {@code write_index}) and a validator stricter than its
 * reader ({@code validate}, {@code sequences}, {@code documents}).
 */
public final class MegatronPython {
  private MegatronPython() {}

  /** Runs {@code script} in {@code workDir} after the prelude of {@link Python} and the import. */
  public static String run(Path workDir, String script) {
    return Python.run(workDir, "sys.path.insert(0, " + Python.literal(resourceDir()) + ")\n"
        + "from megatron_pairs import *\n" + script);
  }

  private static Path resourceDir() {
    try {
      return Paths.get(MegatronPython.class.getResource("/megatron/megatron_pairs.py").toURI()).getParent();
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }
}
