package io.sparkmemmap.it.harness;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A Spark standalone cluster of real processes on 127.0.0.1: a {@code Master} and N {@code Worker}s, each in its own
 * JVM on the Spark runtime classpath, with executors the workers start in JVMs of their own.
 *
 * <p>The workers see a {@code SPARK_HOME} whose {@code jars/} is empty, so an executor's classpath is exactly what
 * the application gives in {@code spark.executor.extraClassPath} (see {@link #applicationConf}) plus the jars it
 * ships ({@code --jars}).
 */
public final class StandaloneCluster implements AutoCloseable {
  /** Executors are small: the machine has two cores and other tests run beside them. */
  public static final String EXECUTOR_MEMORY = "512m";
  /**
   * Master and workers only coordinate: a small heap, and no optimizing JIT or parallel GC to compete with the
   * executors for the two cores.
   */
  private static final List<String> DAEMON_JVM_OPTIONS =
      List.of("-Xmx256m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC");
  private static final Duration POLL_INTERVAL = Duration.ofMillis(250);

  private final Path dir;
  private final int masterPort;
  private final int masterWebUiPort;
  private final int workerCount;
  private final int coresPerWorker;
  private final List<ChildJvm> processes = new ArrayList<>();
  private final List<ChildJvm> workers = new ArrayList<>();
  private final List<Path> workerDirs = new ArrayList<>();

  private StandaloneCluster(Path dir, int workerCount, int coresPerWorker) {
    this.dir = dir;
    this.masterPort = Loopback.freePort();
    this.masterWebUiPort = Loopback.freePort();
    this.workerCount = workerCount;
    this.coresPerWorker = coresPerWorker;
  }

  /**
   * Starts a master and {@code workerCount} workers with {@code coresPerWorker} cores and {@code memoryPerWorker}
   * each, and returns once every worker has registered with the master.
   */
  public static StandaloneCluster start(Path dir, int workerCount, int coresPerWorker, String memoryPerWorker,
      Duration startLimit) throws InterruptedException {
    StandaloneCluster cluster = new StandaloneCluster(dir, workerCount, coresPerWorker);
    try {
      cluster.startProcesses(memoryPerWorker);
      cluster.awaitWorkers(startLimit);
      return cluster;
    } catch (RuntimeException | InterruptedException | Error e) {
      cluster.close();
      throw e;
    }
  }

  public String masterUrl() {
    return "spark://" + Loopback.HOST + ":" + masterPort;
  }

  public int workerCount() {
    return workerCount;
  }

  public int totalCores() {
    return workerCount * coresPerWorker;
  }

  /** Each worker's work directory: {@code app-*}{@code /<executor id>/stderr} is an executor's log. */
  public List<Path> workerDirs() {
    return List.copyOf(workerDirs);
  }

  /**
   * The configuration of an application on this cluster: one executor per worker, the job held back until all of
   * them have registered (so work spreads over every executor), executors on the Spark runtime classpath plus
   * {@code extraExecutorClasspath} (absolute paths), everything on loopback.
   */
  public Map<String, String> applicationConf(List<String> extraExecutorClasspath) {
    List<String> executorClasspath = new ArrayList<>(ItEnvironment.sparkRuntimeClasspath());
    executorClasspath.addAll(extraExecutorClasspath);
    Map<String, String> conf = new LinkedHashMap<>();
    conf.put("spark.master", masterUrl());
    conf.put("spark.cores.max", Integer.toString(totalCores()));
    conf.put("spark.executor.cores", Integer.toString(coresPerWorker));
    conf.put("spark.executor.memory", EXECUTOR_MEMORY);
    conf.put("spark.executor.extraClassPath", String.join(java.io.File.pathSeparator, executorClasspath));
    conf.put("spark.scheduler.minRegisteredResourcesRatio", "1.0");
    conf.put("spark.scheduler.maxRegisteredResourcesWaitingTime", "120s");
    conf.put("spark.driver.host", Loopback.HOST);
    conf.put("spark.driver.bindAddress", Loopback.HOST);
    conf.put("spark.ui.enabled", "false");
    return conf;
  }

  private void startProcesses(String memoryPerWorker) throws IllegalStateException {
    Path sparkHome = dir.resolve("spark-home");
    try {
      Files.createDirectories(sparkHome.resolve("jars"));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create " + sparkHome, e);
    }
    processes.add(daemon("spark-master", "org.apache.spark.deploy.master.Master", sparkHome)
        // The REST submission server would take the fixed port 6066.
        .jvmOption("-Dspark.master.rest.enabled=false")
        .args(List.of("--host", Loopback.HOST, "--port", Integer.toString(masterPort),
            "--webui-port", Integer.toString(masterWebUiPort)))
        .start());
    for (int i = 1; i <= workerCount; i++) {
      Path workDir = dir.resolve("worker-" + i);
      workerDirs.add(workDir);
      ChildJvm worker = daemon("spark-worker-" + i, "org.apache.spark.deploy.worker.Worker", sparkHome)
          .args(List.of("--host", Loopback.HOST, "--port", "0", "--webui-port", "0",
              "--cores", Integer.toString(coresPerWorker), "--memory", memoryPerWorker,
              "--work-dir", workDir.toString(), masterUrl()))
          .start();
      processes.add(worker);
      workers.add(worker);
    }
  }

  private ChildJvm.Builder daemon(String name, String mainClass, Path sparkHome) {
    return ChildJvm.builder(name, mainClass)
        .classpath(ItEnvironment.sparkRuntimeClasspath())
        .jvmOptions(ItEnvironment.sparkJvmOptions())
        .jvmOptions(DAEMON_JVM_OPTIONS)
        .env("SPARK_HOME", sparkHome.toString())
        .env("SPARK_SCALA_VERSION", "2.13")
        .env("SPARK_LOCAL_IP", Loopback.HOST)
        .env("SPARK_LOCAL_DIRS", dir.resolve("local").toString())
        .log(dir.resolve(name + ".log"))
        .workingDirectory(dir);
  }

  /** Polls the master's status page until every worker is alive; fails early if a daemon died. */
  private void awaitWorkers(Duration limit) throws InterruptedException {
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    URI status = URI.create("http://" + Loopback.HOST + ":" + masterWebUiPort + "/json/");
    long deadline = System.nanoTime() + limit.toNanos();
    String lastState = "master not answering";
    while (System.nanoTime() < deadline) {
      for (ChildJvm process : processes) {
        if (!process.isAlive()) {
          throw new IllegalStateException(process + " exited while the cluster was starting. "
              + process.describeLog());
        }
      }
      try {
        HttpResponse<String> response = http.send(
            HttpRequest.newBuilder(status).timeout(Duration.ofSeconds(5)).GET().build(),
            HttpResponse.BodyHandlers.ofString());
        JsonNode json = new ObjectMapper().readTree(response.body());
        int alive = json.path("aliveworkers").asInt(-1);
        if (alive == workerCount && "ALIVE".equals(json.path("status").asText())) {
          return;
        }
        lastState = alive + " of " + workerCount + " workers alive";
      } catch (IOException e) {
        lastState = "master not answering: " + e;
      }
      Thread.sleep(POLL_INTERVAL.toMillis());
    }
    throw new IllegalStateException("the standalone cluster did not start within " + limit + " (" + lastState
        + "); logs in " + dir);
  }

  /**
   * The JVM with process id {@code pid} if a worker of this cluster started it (an executor): the only kind of
   * process a test may kill, to see a job outlive the loss of an executor.
   */
  public ProcessHandle executorProcess(long pid) {
    return workers.stream()
        .flatMap(ChildJvm::descendants)
        .filter(process -> process.pid() == pid)
        .findFirst()
        .orElseThrow(() -> new IllegalArgumentException("process " + pid + " is not an executor of " + this));
  }

  /** Stops the workers (and with them their executors), then the master. */
  @Override
  public void close() {
    for (int i = processes.size() - 1; i >= 0; i--) {
      processes.get(i).close();
    }
  }

  @Override
  public String toString() {
    return "standalone cluster " + masterUrl() + " with " + workerCount + " workers, logs in " + dir;
  }
}
