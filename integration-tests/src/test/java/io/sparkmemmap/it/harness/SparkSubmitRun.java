package io.sparkmemmap.it.harness;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Runs an application the way {@code spark-submit} does: {@code org.apache.spark.deploy.SparkSubmit} (the class
 * the script runs) in a JVM of its own on the Spark runtime classpath, in client deploy mode, with the connector
 * and the application reaching Spark only through {@code --jars} or {@code --packages} and the application jar.
 */
public final class SparkSubmitRun {
  private static final String DRIVER_HEAP = "-Xmx768m";
  /**
   * For JVMs of jobs that run for seconds: without the optimizing JIT they use about half the CPU (measured on a
   * small job), which two shared cores need more than the faster code it would compile.
   */
  public static final String SHORT_JOB_JVM_OPTION = "-XX:TieredStopAtLevel=1";

  private final String name;
  private final Path dir;
  private String master;
  private String mainClass;
  private Path applicationJar;
  private final List<Path> jars = new ArrayList<>();
  private final List<String> packages = new ArrayList<>();
  private final List<String> driverJvmOptions = new ArrayList<>();
  private final Map<String, String> conf = new LinkedHashMap<>();
  private final List<String> applicationArgs = new ArrayList<>();
  private boolean shortJob;

  private SparkSubmitRun(String name, Path dir) {
    this.name = name;
    this.dir = dir;
  }

  /** A submission whose log and working directory are {@code dir}. */
  public static SparkSubmitRun named(String name, Path dir) {
    return new SparkSubmitRun(name, dir);
  }

  public SparkSubmitRun master(String masterUrl) {
    this.master = masterUrl;
    return this;
  }

  /** {@code --jars}: jars added to the driver's and every executor's classpath. */
  public SparkSubmitRun jars(Path... paths) {
    jars.addAll(List.of(paths));
    return this;
  }

  /** {@code --packages}: Maven coordinates {@code group:artifact:version} that Spark resolves with Ivy. */
  public SparkSubmitRun packages(String... coordinates) {
    packages.addAll(List.of(coordinates));
    return this;
  }

  /** A JVM option of the spark-submit JVM itself, the driver in client mode ({@code -Dname=value}, ...). */
  public SparkSubmitRun driverJvmOption(String option) {
    driverJvmOptions.add(option);
    return this;
  }

  /** {@code --conf key=value} for each entry; {@code spark.master} becomes {@code --master}. */
  public SparkSubmitRun conf(Map<String, String> entries) {
    entries.forEach(this::conf);
    return this;
  }

  public SparkSubmitRun conf(String key, String value) {
    if (key.equals("spark.master")) {
      master = value;
    } else {
      conf.put(key, value);
    }
    return this;
  }

  public SparkSubmitRun application(Path jar, String className, String... args) {
    this.applicationJar = jar;
    this.mainClass = className;
    this.applicationArgs.addAll(List.of(args));
    return this;
  }

  /** The job runs for seconds: its driver and executors skip the optimizing JIT ({@link #SHORT_JOB_JVM_OPTION}). */
  public SparkSubmitRun shortJob() {
    shortJob = true;
    conf.put("spark.executor.extraJavaOptions", SHORT_JOB_JVM_OPTION);
    return this;
  }

  /** Runs the submission to its end and fails, with the end of its log, unless it exits with status 0. */
  public ChildJvm runSuccessfully(Duration limit) throws InterruptedException {
    return runToStatus(limit, 0);
  }

  /** Runs the submission to its end and fails, with the end of its log, unless it exits with {@code expected}. */
  public ChildJvm runToStatus(Duration limit, int expected) throws InterruptedException {
    List<String> args = new ArrayList<>();
    args.add("--master");
    args.add(require(master, "master"));
    args.add("--deploy-mode");
    args.add("client");
    args.add("--name");
    args.add(name);
    args.add("--class");
    args.add(require(mainClass, "application class"));
    if (!jars.isEmpty()) {
      args.add("--jars");
      args.add(jars.stream().map(Path::toString).collect(Collectors.joining(",")));
    }
    if (!packages.isEmpty()) {
      args.add("--packages");
      args.add(String.join(",", packages));
    }
    conf.putIfAbsent("spark.driver.host", Loopback.HOST);
    conf.putIfAbsent("spark.driver.bindAddress", Loopback.HOST);
    conf.putIfAbsent("spark.ui.enabled", "false");
    conf.forEach((key, value) -> {
      args.add("--conf");
      args.add(key + "=" + value);
    });
    args.add("--verbose");
    args.add(require(applicationJar, "application jar").toString());
    args.addAll(applicationArgs);

    List<String> jvmOptions = new ArrayList<>(ItEnvironment.sparkJvmOptions());
    jvmOptions.add(DRIVER_HEAP);
    if (shortJob) {
      jvmOptions.add(SHORT_JOB_JVM_OPTION);
    }
    jvmOptions.addAll(driverJvmOptions);
    try (ChildJvm submit = ChildJvm.builder("spark-submit " + name, "org.apache.spark.deploy.SparkSubmit")
        .classpath(ItEnvironment.sparkRuntimeClasspath())
        .jvmOptions(jvmOptions)
        .env("SPARK_SCALA_VERSION", "2.13")
        .env("SPARK_LOCAL_IP", Loopback.HOST)
        .env("SPARK_LOCAL_DIRS", dir.resolve("local").toString())
        .log(dir.resolve("spark-submit.log"))
        .workingDirectory(dir)
        .args(args)
        .start()) {
      int status = submit.waitFor(limit);
      if (status != expected) {
        throw new AssertionError(submit + " exited with status " + status + ", not " + expected + ". "
            + submit.describeLog());
      }
      return submit;
    }
  }

  private <T> T require(T value, String what) {
    if (value == null) {
      throw new IllegalStateException("spark-submit " + name + ": no " + what + " given");
    }
    return value;
  }
}
