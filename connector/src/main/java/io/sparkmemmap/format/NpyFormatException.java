package io.sparkmemmap.format;

import java.io.IOException;

/**
 * A file or archive is not what NumPy writes: bad magic, an unknown version, a malformed or oversized header, a
 * corrupt zip directory. The message starts with the resource (file, entry or range) so that a user can find it.
 *
 * <p>Text that arrives without a resource, such as a user's {@code dtype} option, is rejected with an
 * {@link IllegalArgumentException} instead; readers wrap those into this exception with the resource added.
 */
public class NpyFormatException extends IOException {
  private static final long serialVersionUID = 1L;

  private final String resourceDescription;

  public NpyFormatException(String resourceDescription, String problem) {
    this(resourceDescription, problem, null);
  }

  public NpyFormatException(String resourceDescription, String problem, Throwable cause) {
    super(about(resourceDescription, problem), cause);
    this.resourceDescription = resourceDescription;
  }

  /**
   * {@code problem} with {@code resource} (a path, a file, an archive entry, a byte range): how every error of the
   * connector that concerns one begins, so that a user can find it.
   */
  public static String about(String resource, String problem) {
    return resource + ": " + problem;
  }

  /** The file, archive entry or byte range the problem was found in. */
  public String resourceDescription() {
    return resourceDescription;
  }
}
