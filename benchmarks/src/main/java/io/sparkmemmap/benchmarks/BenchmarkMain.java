package io.sparkmemmap.benchmarks;

import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * Runs the benchmarks ({@code -Dbench=ReadBenchmark,WriteBenchmark}, all when empty) and writes each one's
 * {@code <Name>-results.txt}; see {@link BenchmarkConfig} for the other settings. Run by the module's {@code bench}
 * profile: {@code mvn -pl benchmarks -am verify -DskipTests -Pbench}.
 */
public final class BenchmarkMain {
  static final List<BenchmarkSuite> ALL = List.of(new ReadPathBenchmark(), new ReadBenchmark(),
      new NumpyComparisonBenchmark(), new WriteBenchmark(), new LargeFileMemoryBenchmark(),
      new StreamSourceBenchmark(), new StreamPipelineBenchmark(), new MegatronBenchmark(),
      new MegatronMergeBenchmark(), new S3ReadBenchmark(), new S3PlanningBenchmark());

  private BenchmarkMain() {}

  public static void main(String[] args) throws Exception {
    if (args.length > 0 && LargeFileMemoryBenchmark.CHILD.equals(args[0])) {
      LargeFileMemoryBenchmark.main(args);
      return;
    }
    if (args.length > 0 && ReadPathBenchmark.CHILD.equals(args[0])) {
      ReadPathBenchmark.main(args);
      return;
    }
    BenchmarkConfig config = BenchmarkConfig.fromSystemProperties();
    List<BenchmarkSuite> selected = select(System.getProperty("bench", ""));
    long start = System.nanoTime();
    List<String> summary = new ArrayList<>();
    for (BenchmarkSuite suite : selected) {
      long suiteStart = System.nanoTime();
      Report report = suite.run(config);
      Path file = report.write(config.resultsDir());
      summary.add(String.format(Locale.ROOT, "%-28s %-22s %5.0f s  %s", suite.name(),
          report.allTargetsMet() ? "all targets met" : "SOME TARGETS MISSED", (System.nanoTime() - suiteStart) / 1e9,
          file));
    }
    System.out.println();
    summary.forEach(System.out::println);
    System.out.printf(Locale.ROOT, "Total %.0f s%n", (System.nanoTime() - start) / 1e9);
  }

  /**
   * The command that runs {@code child} (a child run's name, then its arguments) through this class in a JVM of
   * its own: this JVM's options except agents, recordings and those starting with one of {@code dropped}, then
   * {@code options}.
   */
  static List<String> childJvmCommand(List<String> dropped, List<String> options, String... child) {
    List<String> command = new ArrayList<>();
    command.add(Paths.get(System.getProperty("java.home"), "bin", "java").toString());
    List<String> alwaysDropped = List.of("-agentlib", "-javaagent", "-XX:StartFlight");
    for (String arg : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
      if (Stream.concat(alwaysDropped.stream(), dropped.stream()).noneMatch(arg::startsWith)) {
        command.add(arg);
      }
    }
    command.addAll(options);
    command.addAll(List.of("-cp", System.getProperty("java.class.path"), BenchmarkMain.class.getName()));
    command.addAll(Arrays.asList(child));
    return command;
  }

  static List<BenchmarkSuite> select(String names) {
    if (names.isBlank()) {
      return ALL;
    }
    List<BenchmarkSuite> selected = new ArrayList<>();
    for (String name : names.split(",")) {
      BenchmarkSuite suite = ALL.stream().filter(s -> s.name().equals(name.trim())).findFirst()
          .orElseThrow(() -> new IllegalArgumentException("no benchmark " + name.trim() + "; there are "
              + Arrays.toString(ALL.stream().map(BenchmarkSuite::name).toArray())));
      selected.add(suite);
    }
    return selected;
  }
}
