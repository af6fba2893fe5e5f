package io.sparkmemmap.format;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The format contracts as one entry point for a coverage-guided fuzzer such as Jazzer, which calls
 * {@code fuzzerTestOneInput} with the bytes it evolves: the first byte picks the parser, the rest is its input.
 * It needs nothing from the fuzzer at compile time; a {@link AssertionError} from {@link FormatContracts} is a
 * finding.
 */
public final class FormatFuzzTarget {
  private FormatFuzzTarget() {}

  public static void fuzzerTestOneInput(byte[] data) {
    if (data.length == 0) {
      return;
    }
    byte[] input = Arrays.copyOfRange(data, 1, data.length);
    switch (data[0] & 3) {
      case 0 -> FormatContracts.header(input);
      case 1 -> FormatContracts.descr(new String(input, StandardCharsets.UTF_8));
      case 2 -> FormatContracts.npz(input);
      default -> FormatContracts.header(NpyHeaderTest.handWritten(1, 0,
          new String(input, StandardCharsets.ISO_8859_1), 64, StandardCharsets.ISO_8859_1));
    }
  }
}
