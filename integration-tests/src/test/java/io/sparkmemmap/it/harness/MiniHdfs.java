package io.sparkmemmap.it.harness;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.hdfs.MiniDFSCluster;

/**
 * A real HDFS in the test JVM ({@link MiniDFSCluster}): a namenode and datanodes on 127.0.0.1, storage under
 * {@code target/}, small blocks so that a file of a few MiB spans several blocks on different datanodes.
 *
 * <p>Each datanode reports its own host name ({@link #dataNodeHosts()}); they are all reached on 127.0.0.1, but a
 * block's locations name the datanodes that hold it, so a scan's preferred locations can be checked per block.
 */
public final class MiniHdfs implements AutoCloseable {
  /** The smallest block size HDFS allows by default. */
  public static final long BLOCK_SIZE = 1 << 20;

  /** What every client of this HDFS uses: small blocks, each stored once, datanodes reached by address. */
  private static final Map<String, String> CLIENT_SETTINGS = Map.of(
      "dfs.blocksize", Long.toString(BLOCK_SIZE),
      "dfs.replication", "1",
      "dfs.client.use.datanode.hostname", "false");

  private final MiniDFSCluster cluster;
  private final List<String> dataNodeHosts;
  private final URI uri;
  private final FileSystem fileSystem;

  private MiniHdfs(MiniDFSCluster cluster, List<String> dataNodeHosts) throws IOException {
    this.cluster = cluster;
    this.dataNodeHosts = dataNodeHosts;
    this.uri = URI.create("hdfs://" + Loopback.HOST + ":" + cluster.getNameNodePort());
    // Not FileSystem.get: its cache would hand this test Spark's client (other settings) or Spark this one.
    this.fileSystem = FileSystem.newInstance(uri, cluster.getConfiguration(0));
  }

  /** Starts HDFS with one datanode per host name (each block stored once) and waits until it is usable. */
  public static MiniHdfs start(Path baseDir, List<String> dataNodeHosts) throws IOException {
    Configuration conf = new Configuration();
    CLIENT_SETTINGS.forEach(conf::set);
    conf.set("dfs.namenode.rpc-bind-host", Loopback.HOST);
    conf.set("dfs.namenode.servicerpc-bind-host", Loopback.HOST);
    conf.set("dfs.namenode.http-bind-host", Loopback.HOST);
    // Datanodes are reached by address; their host names are labels for block locations only.
    conf.setBoolean("dfs.namenode.datanode.registration.ip-hostname-check", false);
    MiniDFSCluster cluster = new MiniDFSCluster.Builder(conf, baseDir.toFile())
        .numDataNodes(dataNodeHosts.size())
        .hosts(dataNodeHosts.toArray(new String[0]))
        .build();
    try {
      cluster.waitActive();
      return new MiniHdfs(cluster, List.copyOf(dataNodeHosts));
    } catch (IOException | RuntimeException e) {
      cluster.shutdown(true);
      throw e;
    }
  }

  /** {@code hdfs://127.0.0.1:<port>}. */
  public URI uri() {
    return uri;
  }

  /** The absolute URI of {@code path} (starting with {@code /}) on this HDFS, as Spark users write it. */
  public String url(String path) {
    if (!path.startsWith("/")) {
      throw new IllegalArgumentException("an absolute path is needed: " + path);
    }
    return uri() + path;
  }

  /** A client of this HDFS of the test's own, independent of Spark's. */
  public FileSystem fileSystem() {
    return fileSystem;
  }

  /** The client settings as Spark configuration ({@code spark.hadoop.*}), for sessions that use this HDFS. */
  public Map<String, String> sparkConf() {
    Map<String, String> conf = new TreeMap<>();
    CLIENT_SETTINGS.forEach((key, value) -> conf.put("spark.hadoop." + key, value));
    return conf;
  }

  public List<String> dataNodeHosts() {
    return dataNodeHosts;
  }

  /** Stops all HDFS daemons and deletes their storage. */
  @Override
  public void close() throws IOException {
    try {
      fileSystem.close();
    } finally {
      cluster.shutdown(true);
    }
  }

  @Override
  public String toString() {
    return "HDFS at " + uri() + " with datanodes " + dataNodeHosts;
  }
}
