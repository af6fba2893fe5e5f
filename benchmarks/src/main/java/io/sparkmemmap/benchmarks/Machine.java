package io.sparkmemmap.benchmarks;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/** The machine a benchmark ran on, as the header of its results file names it. */
final class Machine {
  private Machine() {}

  /** Header lines: CPU, cores, memory, OS, JVM and its heap, Spark. */
  static List<String> describe() {
    List<String> lines = new ArrayList<>();
    List<String> cpuinfo = lines(Paths.get("/proc/cpuinfo"));
    String model = cpuinfo.stream().filter(l -> l.startsWith("model name")).map(Machine::value).findFirst()
        .orElse(System.getProperty("os.arch"));
    long logical = cpuinfo.stream().filter(l -> l.startsWith("processor")).count();
    lines.add("CPU: " + model + ", " + (logical > 0 ? logical : "?") + " logical cores ("
        + Runtime.getRuntime().availableProcessors() + " available to the JVM)");
    lines.add("Memory: " + memTotal().map(kb -> String.format(Locale.ROOT, "%.1f GiB", kb / 1048576.0))
        .orElse("?"));
    lines.add("OS: " + osRelease().orElse(System.getProperty("os.name")) + ", kernel " + System.getProperty(
        "os.version") + " " + System.getProperty("os.arch"));
    lines.add("JVM: " + System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version")
        + ", max heap " + Runtime.getRuntime().maxMemory() / (1 << 20) + " MiB, GC "
        + String.join("/", ManagementFactory.getGarbageCollectorMXBeans().stream().map(b -> b.getName()).toList()));
    lines.add("Spark: " + org.apache.spark.package$.MODULE$.SPARK_VERSION());
    return lines;
  }

  /** The 1, 5 and 15 minute load averages: how busy the machine was around the run. */
  static String loadAverage() {
    List<String> load = lines(Paths.get("/proc/loadavg"));
    if (load.isEmpty()) {
      return "?";
    }
    String[] parts = load.get(0).split("\\s+");
    return parts[0] + " " + parts[1] + " " + parts[2];
  }

  private static Optional<Long> memTotal() {
    return lines(Paths.get("/proc/meminfo")).stream().filter(l -> l.startsWith("MemTotal:"))
        .map(l -> Long.parseLong(value(l).replace("kB", "").trim())).findFirst();
  }

  private static Optional<String> osRelease() {
    return lines(Paths.get("/etc/os-release")).stream().filter(l -> l.startsWith("PRETTY_NAME="))
        .map(l -> l.substring("PRETTY_NAME=".length()).replace("\"", "")).findFirst();
  }

  private static String value(String line) {
    return line.substring(line.indexOf(':') + 1).trim();
  }

  private static List<String> lines(Path file) {
    try {
      return Files.readAllLines(file);
    } catch (IOException e) {
      return List.of();
    }
  }
}
