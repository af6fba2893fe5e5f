package io.sparkmemmap.it.harness;

import io.sparkmemmap.it.ExitWithParent;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * A JVM started by a test or a benchmark: a Spark master, worker or {@code SparkSubmit}, an S3 server, with its
 * output in a log file.
 *
 * <p>Whatever happens, it does not outlive the test JVM: {@link #close()} stops it and every process it started
 * (a worker's executors), a shutdown hook closes whatever a test left running, and the child itself runs under
 * {@code io.sparkmemmap.it.ExitWithParent}, which exits it when the test JVM dies without running its hooks.
 */
public final class ChildJvm implements AutoCloseable {
  private static final Set<ChildJvm> RUNNING = ConcurrentHashMap.newKeySet();
  private static final Duration GRACEFUL_STOP = Duration.ofSeconds(15);
  private static final Duration FORCED_STOP = Duration.ofSeconds(10);

  static {
    Runtime.getRuntime().addShutdownHook(new Thread(
        () -> List.copyOf(RUNNING).forEach(ChildJvm::close), "stop-child-jvms"));
  }

  private final String name;
  private final Process process;
  private final Path log;

  private ChildJvm(String name, Process process, Path log) {
    this.name = name;
    this.process = process;
    this.log = log;
  }

  public static Builder builder(String name, String mainClass) {
    return new Builder(name, mainClass);
  }

  public String name() {
    return name;
  }

  public long pid() {
    return process.pid();
  }

  public Path log() {
    return log;
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  /** The processes this JVM started (a worker's executors), and theirs. */
  public Stream<ProcessHandle> descendants() {
    return process.descendants();
  }

  /**
   * Waits for the JVM to exit and returns its exit status; stops it and fails if it runs longer than {@code limit}.
   */
  public int waitFor(Duration limit) throws InterruptedException {
    if (!process.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS)) {
      close();
      throw new AssertionError(name + " did not finish within " + limit + "; stopped it. " + describeLog());
    }
    RUNNING.remove(this);
    return process.exitValue();
  }

  /** The log file's name and its last lines, for failure messages. */
  public String describeLog() {
    return "Log " + log + ", last lines:\n" + tail(60);
  }

  public String logText() {
    try {
      return Files.readString(log, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + log, e);
    }
  }

  private String tail(int lines) {
    try {
      List<String> all = Files.readAllLines(log, StandardCharsets.UTF_8);
      return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    } catch (IOException | UncheckedIOException e) {
      return "(cannot read the log: " + e + ")";
    }
  }

  /**
   * Stops the JVM and all processes it started: first by closing its stdin (it exits and runs its own shutdown
   * hooks), then SIGTERM to the whole tree, then SIGKILL.
   */
  @Override
  public void close() {
    // Taken before anything stops: once a parent is gone its children are no longer its descendants.
    List<ProcessHandle> tree = new ArrayList<>(process.descendants().collect(Collectors.toList()));
    tree.add(process.toHandle());
    try {
      process.getOutputStream().close();
    } catch (IOException e) {
      // Already closed: the process is exiting anyway.
    }
    awaitExit(tree, GRACEFUL_STOP);
    tree.forEach(ProcessHandle::destroy);
    awaitExit(tree, FORCED_STOP);
    tree.forEach(ProcessHandle::destroyForcibly);
    awaitExit(tree, FORCED_STOP);
    RUNNING.remove(this);
  }

  private static void awaitExit(List<ProcessHandle> processes, Duration limit) {
    long deadline = System.nanoTime() + limit.toNanos();
    for (ProcessHandle handle : processes) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        return;
      }
      try {
        handle.onExit().get(left, TimeUnit.NANOSECONDS);
      } catch (java.util.concurrent.TimeoutException e) {
        return;
      } catch (java.util.concurrent.ExecutionException e) {
        // onExit does not fail; nothing to wait for.
      } catch (InterruptedException e) {
        // Keep stopping the processes; the caller sees the interrupt afterwards.
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  @Override
  public String toString() {
    return name + " (pid " + process.pid() + ")";
  }

  /**
   * Where {@link ExitWithParent} was loaded from (the s3-server module's classes or jar, which hold nothing a Spark
   * classpath lacks): the classpath entry of every JVM that runs under it.
   */
  public static String launcherLocation() {
    try {
      return Paths.get(ExitWithParent.class.getProtectionDomain().getCodeSource().getLocation()
          .toURI()).toString();
    } catch (java.net.URISyntaxException e) {
      throw new IllegalStateException("where ExitWithParent was loaded from", e);
    }
  }

  /** How to start a child JVM: main class, classpath, options, environment, arguments. */
  public static final class Builder {
    private final String name;
    private final String mainClass;
    private final List<String> classpath = new ArrayList<>();
    private final List<String> jvmOptions = new ArrayList<>();
    private final Map<String, String> environment = new LinkedHashMap<>();
    private final List<String> arguments = new ArrayList<>();
    private Path log;
    private Path workingDirectory;

    private Builder(String name, String mainClass) {
      this.name = name;
      this.mainClass = mainClass;
    }

    public Builder classpath(List<String> entries) {
      classpath.addAll(entries);
      return this;
    }

    public Builder jvmOptions(List<String> options) {
      jvmOptions.addAll(options);
      return this;
    }

    public Builder jvmOption(String option) {
      jvmOptions.add(option);
      return this;
    }

    public Builder env(String variable, String value) {
      environment.put(variable, value);
      return this;
    }

    public Builder args(List<String> args) {
      arguments.addAll(args);
      return this;
    }

    public Builder log(Path file) {
      this.log = file;
      return this;
    }

    public Builder workingDirectory(Path dir) {
      this.workingDirectory = dir;
      return this;
    }

    public ChildJvm start() {
      if (log == null || workingDirectory == null) {
        throw new IllegalStateException(name + ": log file and working directory are required");
      }
      Path tmp = workingDirectory.resolve("tmp");
      List<String> command = new ArrayList<>();
      command.add(Paths.get(System.getProperty("java.home"), "bin", "java").toString());
      command.addAll(jvmOptions);
      command.add("-Djava.io.tmpdir=" + tmp);
      List<String> fullClasspath = new ArrayList<>();
      fullClasspath.add(launcherLocation());
      fullClasspath.addAll(classpath);
      command.add("-cp");
      command.add(String.join(java.io.File.pathSeparator, fullClasspath));
      command.add("io.sparkmemmap.it.ExitWithParent");
      command.add(mainClass);
      command.addAll(arguments);

      ProcessBuilder builder = new ProcessBuilder(command)
          .directory(workingDirectory.toFile())
          .redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
      Map<String, String> env = builder.environment();
      // A developer's Spark or Hadoop installation must not leak into the test processes.
      for (String variable : List.of("SPARK_HOME", "SPARK_CONF_DIR", "SPARK_CLASSPATH", "SPARK_DIST_CLASSPATH",
          "HADOOP_CONF_DIR", "YARN_CONF_DIR", "SPARK_TESTING")) {
        env.remove(variable);
      }
      env.putAll(environment);
      try {
        Files.createDirectories(log.getParent());
        Files.createDirectories(tmp);
        Files.writeString(log, "# " + String.join(" ", command) + System.lineSeparator(), StandardCharsets.UTF_8);
        ChildJvm child = new ChildJvm(name, builder.start(), log);
        RUNNING.add(child);
        return child;
      } catch (IOException e) {
        throw new UncheckedIOException("cannot start " + name + " (" + mainClass + ")", e);
      }
    }
  }
}
