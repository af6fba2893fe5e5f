package io.sparkmemmap.connect;

import io.sparkmemmap.it.harness.ChildJvm;
import io.sparkmemmap.it.harness.Loopback;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A Spark Connect server in a JVM of its own ({@link ChildJvm}), started as Spark's {@code start-connect-server.sh}
 * starts it: {@code SparkSubmit --class org.apache.spark.sql.connect.service.SparkConnectServer spark-internal} on
 * the Spark runtime classpath (connect-server's), with the connector's shaded jar in {@code --jars},
 * {@code local[2]}, and the gRPC endpoint on 127.0.0.1 at a free port.
 */
final class ConnectServer implements AutoCloseable {
  static final String HOST = Loopback.HOST;

  private final ChildJvm jvm;
  private final int port;

  private ConnectServer(ChildJvm jvm, int port) {
    this.jvm = jvm;
    this.port = port;
  }

  /** Starts the server with its files under {@code dir} and returns once its port accepts connections. */
  static ConnectServer start(Path dir, Duration limit) throws InterruptedException {
    int port = Loopback.freePort();
    List<String> jvmOptions = new ArrayList<>(
        Arrays.asList(required("connect.sparkJvmOptions").trim().split("\\s+")));
    jvmOptions.add("-Xmx1g");
    ChildJvm jvm = ChildJvm.builder("Spark Connect server", "org.apache.spark.deploy.SparkSubmit")
        .classpath(Arrays.asList(serverClasspath().split(File.pathSeparator)))
        .jvmOptions(jvmOptions)
        .args(List.of(
            "--master", "local[2]",
            "--class", "org.apache.spark.sql.connect.service.SparkConnectServer",
            "--name", "spark-memmap Spark Connect server",
            "--jars", existing("connect.connectorShadedJar").toString(),
            "--conf", "spark.connect.grpc.binding.address=" + HOST,
            "--conf", "spark.connect.grpc.binding.port=" + port,
            "--conf", "spark.driver.host=" + HOST,
            "--conf", "spark.driver.bindAddress=" + HOST,
            "--conf", "spark.ui.enabled=false",
            "--conf", "spark.sql.shuffle.partitions=4",
            "--conf", "spark.sql.warehouse.dir=" + dir.resolve("warehouse").toUri(),
            "spark-internal"))
        .env("SPARK_LOCAL_IP", HOST)
        .env("SPARK_SCALA_VERSION", "2.13")
        .env("SPARK_LOCAL_DIRS", dir.resolve("local").toString())
        .log(dir.resolve("connect-server.log"))
        .workingDirectory(dir)
        .start();
    ConnectServer server = new ConnectServer(jvm, port);
    try {
      server.awaitPort(limit);
    } catch (RuntimeException | Error | InterruptedException e) {
      server.close();
      throw e;
    }
    return server;
  }

  /** The client's connection string: {@code sc://127.0.0.1:<port>}. */
  String url() {
    return "sc://" + HOST + ":" + port;
  }

  /** Waits until the gRPC port accepts a connection; fails if the server exits first or takes longer than limit. */
  private void awaitPort(Duration limit) throws InterruptedException {
    long deadline = System.nanoTime() + limit.toNanos();
    while (true) {
      if (!jvm.isAlive()) {
        throw new AssertionError("the Spark Connect server exited. " + jvm.describeLog());
      }
      try (Socket socket = new Socket()) {
        socket.connect(new InetSocketAddress(InetAddress.getByName(HOST), port), 1000);
        return;
      } catch (IOException notYet) {
        if (System.nanoTime() > deadline) {
          throw new AssertionError("the Spark Connect server did not listen on " + url() + " within " + limit
              + ". " + jvm.describeLog());
        }
        Thread.sleep(250);
      }
    }
  }

  /** Stops the server and what it started ({@link ChildJvm#close}). */
  @Override
  public void close() {
    jvm.close();
  }

  private static String serverClasspath() {
    Path file = existing("connect.serverClasspath");
    try {
      return Files.readString(file).trim();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file, e);
    }
  }

  static Path existing(String property) {
    Path path = Paths.get(required(property)).toAbsolutePath();
    if (!Files.exists(path)) {
      throw new IllegalStateException(path + " (system property " + property + ") does not exist: run the tests"
          + " through Maven, `mvn -pl connect-client-tests -am verify`");
    }
    return path;
  }

  static String required(String property) {
    String value = System.getProperty(property);
    if (value == null || value.isBlank()) {
      throw new IllegalStateException("system property " + property + " is not set: run the tests through Maven,"
          + " `mvn -pl connect-client-tests -am verify`");
    }
    return value;
  }
}
