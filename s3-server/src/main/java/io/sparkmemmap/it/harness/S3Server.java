package io.sparkmemmap.it.harness;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocatedFileStatus;
import org.apache.hadoop.fs.RemoteIterator;

/**
 * A real S3-compatible server on 127.0.0.1 (S3Proxy 2.6.0 over its filesystem backend, in a JVM of its own so that
 * its Jetty and jclouds never meet Spark's classpath), one bucket in it, and the S3A settings that reach it.
 *
 * <p>S3A reaches it by path-style requests over plain HTTP with static keys; nothing else is contacted (no
 * instance metadata, no STS, no region lookup). S3Proxy refuses the SDK's default request checksums on bulk
 * delete with 501 NotImplemented, so checksums are only sent where S3 requires them, and deletes go one by one.
 */
public final class S3Server implements AutoCloseable {
  public static final String BUCKET = "arrays";
  private static final String ACCESS_KEY = "local-access-key";
  private static final String SECRET_KEY = "local-secret-key";
  private static final Duration STARTUP = Duration.ofSeconds(90);

  /** What the AWS SDK reads from system properties, in every JVM that runs S3A against this server. */
  public static final Map<String, String> SDK_SYSTEM_PROPERTIES = Map.of(
      "aws.requestChecksumCalculation", "WHEN_REQUIRED",
      "aws.responseChecksumValidation", "WHEN_REQUIRED");

  private final ChildJvm process;
  private final String endpoint;
  private final Path storage;
  private final Map<String, String> hadoopSettings;
  private final FileSystem fileSystem;

  private S3Server(ChildJvm process, String endpoint, Path storage) throws IOException {
    this.process = process;
    this.endpoint = endpoint;
    this.storage = storage;
    Map<String, String> settings = new TreeMap<>();
    settings.put("fs.s3a.endpoint", endpoint);
    settings.put("fs.s3a.endpoint.region", "us-east-1");
    settings.put("fs.s3a.path.style.access", "true");
    settings.put("fs.s3a.connection.ssl.enabled", "false");
    settings.put("fs.s3a.aws.credentials.provider", "org.apache.hadoop.fs.s3a.SimpleAWSCredentialsProvider");
    settings.put("fs.s3a.access.key", ACCESS_KEY);
    settings.put("fs.s3a.secret.key", SECRET_KEY);
    settings.put("fs.s3a.multiobjectdelete.enable", "false");
    // A failed request to a local server is a bug to see at once, not a network blip to retry for minutes.
    settings.put("fs.s3a.attempts.maximum", "2");
    settings.put("fs.s3a.retry.limit", "2");
    this.hadoopSettings = Map.copyOf(settings);
    Configuration conf = new Configuration();
    hadoopSettings.forEach(conf::set);
    // Not FileSystem.get: its cache would share this test's client with Spark's.
    this.fileSystem = FileSystem.newInstance(URI.create("s3a://" + BUCKET + "/"), conf);
  }

  /** Starts S3Proxy on a free port with its objects under {@code workDir}, and creates the bucket. */
  public static S3Server start(Path workDir) throws IOException, InterruptedException {
    SDK_SYSTEM_PROPERTIES.forEach(System::setProperty);
    int port = Loopback.freePort();
    String endpoint = "http://" + Loopback.HOST + ":" + port;
    Path storage = Files.createDirectories(workDir.resolve("storage"));
    // A bucket of the filesystem backend is a directory under its base directory.
    Files.createDirectories(storage.resolve(BUCKET));
    Path properties = workDir.resolve("s3proxy.properties");
    Files.writeString(properties, String.join("\n",
        "s3proxy.endpoint=" + endpoint,
        "s3proxy.authorization=aws-v2-or-v4",
        "s3proxy.identity=" + ACCESS_KEY,
        "s3proxy.credential=" + SECRET_KEY,
        "jclouds.provider=filesystem",
        "jclouds.filesystem.basedir=" + storage,
        ""));
    // Without a configuration of its own, S3Proxy's logback logs every request at DEBUG: hundreds of MiB a run.
    Path logging = workDir.resolve("s3proxy-logback.xml");
    Files.writeString(logging, "<configuration><appender name=\"out\" class=\"ch.qos.logback.core.ConsoleAppender\">"
        + "<encoder><pattern>%d %level %logger{20} - %msg%n</pattern></encoder></appender>"
        + "<root level=\"WARN\"><appender-ref ref=\"out\"/></root></configuration>\n");
    ChildJvm process = ChildJvm.builder("s3proxy", "org.gaul.s3proxy.Main")
        .classpath(serverClasspath())
        .jvmOption("-Xmx256m")
        .jvmOption("-Dlogback.configurationFile=" + logging)
        .args(List.of("--properties", properties.toString()))
        .log(workDir.resolve("s3proxy.log"))
        .workingDirectory(workDir)
        .start();
    try {
      awaitListening(process, port);
      return new S3Server(process, endpoint, storage);
    } catch (IOException | RuntimeException | InterruptedException | Error e) {
      process.close();
      throw e;
    }
  }

  /** S3Proxy's classpath, which the build of this module wrote into its jar. */
  private static List<String> serverClasspath() {
    String resource = "s3-server.classpath";
    try (java.io.InputStream in = S3Server.class.getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalStateException(resource + " is not beside " + S3Server.class.getName()
            + ": it is written by the s3-server module's build (mvn -pl s3-server package)");
      }
      String classpath = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).trim();
      return new ArrayList<>(Arrays.asList(classpath.split(java.io.File.pathSeparator)));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read S3Proxy's classpath from " + resource, e);
    }
  }

  private static void awaitListening(ChildJvm process, int port) throws InterruptedException {
    long deadline = System.nanoTime() + STARTUP.toNanos();
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IllegalStateException("S3Proxy exited at startup. " + process.describeLog());
      }
      try (Socket socket = new Socket()) {
        socket.connect(new InetSocketAddress(Loopback.HOST, port), 1000);
        return;
      } catch (IOException notYet) {
        Thread.sleep(200);
      }
    }
    throw new IllegalStateException("S3Proxy did not listen on port " + port + " within " + STARTUP + ". "
        + process.describeLog());
  }

  /** {@code s3a://arrays/<key>}. */
  public String url(String key) {
    return "s3a://" + BUCKET + "/" + (key.startsWith("/") ? key.substring(1) : key);
  }

  /** The test's own S3A client, independent of Spark's. */
  public FileSystem fileSystem() {
    return fileSystem;
  }

  /** The S3A settings as Spark configuration ({@code spark.hadoop.fs.s3a.*}). */
  public Map<String, String> sparkConf() {
    Map<String, String> conf = new TreeMap<>();
    hadoopSettings.forEach((key, value) -> conf.put("spark.hadoop." + key, value));
    return conf;
  }

  /** The S3A settings, for a Hadoop configuration. */
  public Map<String, String> hadoopSettings() {
    return hadoopSettings;
  }

  /** Uploads a local file to {@code key}. */
  public void upload(Path local, String key) throws IOException {
    fileSystem.copyFromLocalFile(new org.apache.hadoop.fs.Path(local.toUri()), new org.apache.hadoop.fs.Path(url(key)));
  }

  /** Downloads the object at {@code key} to a local file. */
  public void download(String key, Path local) throws IOException {
    fileSystem.copyToLocalFile(new org.apache.hadoop.fs.Path(url(key)), new org.apache.hadoop.fs.Path(local.toUri()));
  }

  /**
   * What the server stores that is not an object S3 lists: the parts and bookkeeping of multipart uploads begun and
   * neither completed nor aborted (S3Proxy answers ListMultipartUploads with 501 Not Implemented; its filesystem
   * backend keeps a pending upload's parts in a hidden {@code .mpus-<upload id>-pending} directory of the bucket).
   */
  public List<String> pendingUploads() throws IOException {
    Path bucket = storage.resolve(BUCKET);
    List<String> pending = new ArrayList<>();
    try (java.util.stream.Stream<Path> files = Files.walk(bucket)) {
      files.filter(Files::isRegularFile).map(f -> bucket.relativize(f).toString())
          .filter(name -> name.startsWith(".mpus-")).forEach(pending::add);
    }
    pending.sort(null);
    return pending;
  }

  /** The keys of the objects under {@code prefix}, as S3 lists them. */
  public List<String> objects(String prefix) throws IOException {
    List<String> keys = new ArrayList<>();
    org.apache.hadoop.fs.Path root = new org.apache.hadoop.fs.Path(url(prefix));
    if (!fileSystem.exists(root)) {
      return keys;
    }
    RemoteIterator<LocatedFileStatus> files = fileSystem.listFiles(root, true);
    while (files.hasNext()) {
      keys.add(files.next().getPath().toUri().getPath().substring(1));
    }
    keys.sort(null);
    return keys;
  }

  /** Where the filesystem backend keeps the objects: the bucket is the directory {@link #BUCKET} under it. */
  public Path storage() {
    return storage;
  }

  public String endpoint() {
    return endpoint;
  }

  /** The server's process id: its I/O counters in {@code /proc} tell what it served. */
  public long pid() {
    return process.pid();
  }

  /**
   * Stops the server, after closing the S3A clients of its bucket: the test's own, and the one Hadoop caches for
   * {@code s3a://arrays/} in this JVM, which Spark used and which a later test class's server (on another port)
   * would otherwise be reached through.
   */
  @Override
  public void close() throws IOException {
    try {
      fileSystem.close();
      Configuration conf = new Configuration();
      hadoopSettings.forEach(conf::set);
      FileSystem.get(URI.create("s3a://" + BUCKET + "/"), conf).close();
    } finally {
      process.close();
    }
  }

  @Override
  public String toString() {
    return "S3Proxy at " + endpoint + " (" + process + ")";
  }
}
