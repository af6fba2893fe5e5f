package io.sparkmemmap.connect;

import io.sparkmemmap.it.ExitWithParent;
import io.sparkmemmap.it.harness.ChildJvm;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * A Spark Connect server in a JVM of its own, started as Spark's {@code start-connect-server.sh} starts it:
 * {@code SparkSubmit --class org.apache.spark.sql.connect.service.SparkConnectServer spark-internal} on the Spark
 * runtime classpath (connect-server's), with the connector's shaded jar in {@code --jars}, {@code local[2]}, and
 * the gRPC endpoint on 127.0.0.1 at a free port.
 */
final class ConnectServer implements AutoCloseable {
  static final String HOST = "127.0.0.1";
  private static final Duration STOP = Duration.ofSeconds(20);

  private final Process process;
  private final int port;
  private final Path log;
  private final Thread shutdownHook;

  private ConnectServer(Process process, int port, Path log) {
    this.process = process;
    this.port = port;
    this.log = log;
    this.shutdownHook = new Thread(this::stop, "stop-connect-server");
    Runtime.getRuntime().addShutdownHook(shutdownHook);
  }

  /** Starts the server with its files under {@code dir} and returns once its port accepts connections. */
  static ConnectServer start(Path dir, Duration limit) throws IOException, InterruptedException {
    int port = freePort();
    Path log = dir.resolve("connect-server.log");
    Path tmp = Files.createDirectories(dir.resolve("tmp"));
    List<String> command = new ArrayList<>();
    command.add(Paths.get(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(Arrays.asList(required("connect.sparkJvmOptions").trim().split("\\s+")));
    command.add("-Xmx1g");
    command.add("-Djava.io.tmpdir=" + tmp);
    command.add("-cp");
    command.add(ChildJvm.launcherLocation() + java.io.File.pathSeparator + serverClasspath());
    command.add(ExitWithParent.class.getName());
    command.addAll(List.of("org.apache.spark.deploy.SparkSubmit",
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
        "spark-internal"));
    ProcessBuilder builder = new ProcessBuilder(command)
        .directory(dir.toFile())
        .redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
    Map<String, String> env = builder.environment();
    for (String variable : List.of("SPARK_HOME", "SPARK_CONF_DIR", "SPARK_CLASSPATH", "SPARK_DIST_CLASSPATH",
        "HADOOP_CONF_DIR", "YARN_CONF_DIR", "SPARK_TESTING")) {
      env.remove(variable);
    }
    env.put("SPARK_LOCAL_IP", HOST);
    env.put("SPARK_SCALA_VERSION", "2.13");
    env.put("SPARK_LOCAL_DIRS", dir.resolve("local").toString());
    Files.writeString(log, "# " + String.join(" ", command) + System.lineSeparator(), StandardCharsets.UTF_8);
    ConnectServer server = new ConnectServer(builder.start(), port, log);
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

  String logText() throws IOException {
    return Files.readString(log, StandardCharsets.UTF_8);
  }

  /** The log's name and last lines, for failure messages. */
  String describeLog() {
    try {
      List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
      return "Server log " + log + ", last lines:\n"
          + String.join("\n", lines.subList(Math.max(0, lines.size() - 60), lines.size()));
    } catch (IOException e) {
      return "(cannot read " + log + ": " + e + ")";
    }
  }

  /** Waits until the gRPC port accepts a connection; fails if the server exits first or takes longer than limit. */
  private void awaitPort(Duration limit) throws InterruptedException {
    long deadline = System.nanoTime() + limit.toNanos();
    while (true) {
      if (!process.isAlive()) {
        throw new AssertionError("the Spark Connect server exited with status " + process.exitValue() + ". "
            + describeLog());
      }
      try (Socket socket = new Socket()) {
        socket.connect(new InetSocketAddress(InetAddress.getByName(HOST), port), 1000);
        return;
      } catch (IOException notYet) {
        if (System.nanoTime() > deadline) {
          throw new AssertionError("the Spark Connect server did not listen on " + url() + " within " + limit
              + ". " + describeLog());
        }
        Thread.sleep(250);
      }
    }
  }

  @Override
  public void close() {
    stop();
    try {
      Runtime.getRuntime().removeShutdownHook(shutdownHook);
    } catch (IllegalStateException shuttingDown) {
      // The hook is running or ran.
    }
  }

  /** Closes the server's stdin (ExitWithParent exits it, running Spark's hooks), then terminates, then kills. */
  private void stop() {
    List<ProcessHandle> tree = process.descendants().collect(Collectors.toCollection(ArrayList::new));
    tree.add(process.toHandle());
    try {
      process.getOutputStream().close();
    } catch (IOException ignored) {
      // Already closed.
    }
    try {
      if (!process.waitFor(STOP.toMillis(), TimeUnit.MILLISECONDS)) {
        tree.forEach(ProcessHandle::destroy);
        if (!process.waitFor(STOP.toMillis(), TimeUnit.MILLISECONDS)) {
          tree.forEach(ProcessHandle::destroyForcibly);
        }
      }
    } catch (InterruptedException e) {
      tree.forEach(ProcessHandle::destroyForcibly);
      Thread.currentThread().interrupt();
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName(HOST))) {
      return socket.getLocalPort();
    }
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
