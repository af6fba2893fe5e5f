package io.sparkmemmap.format.megatron;

import io.sparkmemmap.format.NpyFormatException;

/**
 * A Megatron-LM indexed dataset ({@code .idx} and {@code .bin} pair) is not what Megatron's {@code _IndexWriter}
 * writes: bad magic, an unknown version or dtype code, counts that disagree with the file size, pointers or document
 * indices that are not consistent. It is an {@link NpyFormatException} so that the read path, which already reports
 * those with the file they concern, reports these the same way; the message starts with the file.
 */
public final class MegatronFormatException extends NpyFormatException {
  private static final long serialVersionUID = 1L;

  public MegatronFormatException(String resourceDescription, String problem) {
    super(resourceDescription, problem);
  }

  public MegatronFormatException(String resourceDescription, String problem, Throwable cause) {
    super(resourceDescription, problem, cause);
  }
}
