package io.sparkmemmap.write;

import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.DelegateToFileSystem;
import org.apache.hadoop.fs.RawLocalFileSystem;

/**
 * Local files under the scheme {@code nonlocal://}, so that the write takes the path meant for HDFS and object
 * stores (stage on local disk, upload at task commit, publish by rename, copy through streams) against files a
 * test can inspect. The real HDFS run is in the integration tests.
 */
public class NonLocalTestFileSystem extends RawLocalFileSystem {
  static final String SCHEME = "nonlocal";
  private static final URI NAME = URI.create(SCHEME + ":///");

  @Override
  public URI getUri() {
    return NAME;
  }

  @Override
  public String getScheme() {
    return SCHEME;
  }

  /** The same file system for {@code FileContext}, which renames with overwrite. */
  public static class Context extends DelegateToFileSystem {
    public Context(URI uri, Configuration conf) throws IOException, URISyntaxException {
      super(uri, new NonLocalTestFileSystem(), conf, SCHEME, false);
    }
  }

  static void register(Configuration conf) {
    conf.set("fs." + SCHEME + ".impl", NonLocalTestFileSystem.class.getName());
    conf.set("fs.AbstractFileSystem." + SCHEME + ".impl", Context.class.getName());
    conf.setBoolean("fs." + SCHEME + ".impl.disable.cache", true);
  }
}
