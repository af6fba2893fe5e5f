package io.sparkmemmap.read;

import java.net.URI;
import org.apache.hadoop.fs.RawLocalFileSystem;

/**
 * Local files under the scheme {@code nonlocal:}, which the connector must read like any remote file system: by
 * positioned reads of a Hadoop stream, never by mapping.
 */
public class NonLocalTestFileSystem extends RawLocalFileSystem {
  static final String SCHEME = "nonlocal";

  @Override
  public URI getUri() {
    return URI.create(SCHEME + ":///");
  }

  @Override
  public String getScheme() {
    return SCHEME;
  }
}
