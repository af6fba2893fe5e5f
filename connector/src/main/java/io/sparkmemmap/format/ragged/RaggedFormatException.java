package io.sparkmemmap.format.ragged;

import io.sparkmemmap.format.NpyFormatException;

/**
 * A ragged array's index or data is not what it must be: an index of another dtype or shape, starts or lengths
 * outside the data, offsets that decrease, a data array that is not 1-D, a half of the pair missing. It is an
 * {@link NpyFormatException}, so the read path reports it as it reports any bad file; the message starts with the
 * file.
 */
public final class RaggedFormatException extends NpyFormatException {
  private static final long serialVersionUID = 1L;

  public RaggedFormatException(String resourceDescription, String problem) {
    super(resourceDescription, problem);
  }

  public RaggedFormatException(String resourceDescription, String problem, Throwable cause) {
    super(resourceDescription, problem, cause);
  }
}
