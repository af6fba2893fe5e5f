package io.sparkmemmap.write;

/**
 * A value that cannot be written as the planned NumPy type: a null without {@code nullValue}, a string longer than
 * its field, arrays of unequal length, a number out of range. The message names the column.
 */
public class NpyWriteException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  public NpyWriteException(String message) {
    super(message);
  }

  public NpyWriteException(String message, Throwable cause) {
    super(message, cause);
  }
}
