package io.sparkmemmap.benchmarks;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The results file of one benchmark class, {@code <Name>-results.txt}: a header naming the machine, the date and the
 * run's settings, then each table with its medians, ratios and targets.
 */
final class Report {
  private static final String RULE = "-".repeat(148);

  private final String name;
  private final String startLoad = Machine.loadAverage();
  private final ZonedDateTime started = ZonedDateTime.now();
  private final List<String> context = new ArrayList<>();
  private final List<Benchmark.Result> tables = new ArrayList<>();
  private final List<String> sections = new ArrayList<>();
  /** Targets checked outside timing tables (the large-file run), by what they say. */
  private final Map<String, Boolean> otherTargets = new LinkedHashMap<>();

  Report(String name) {
    this.name = name;
  }

  String name() {
    return name;
  }

  /** A line of the header: the data, the Spark master, other software. */
  Report context(String line) {
    context.add(line);
    return this;
  }

  Report add(Benchmark.Result table) {
    tables.add(table);
    sections.add(format(table));
    System.out.println(sections.get(sections.size() - 1));
    return this;
  }

  /** A section of free-form text (a table of another kind), with the targets it checked. */
  Report add(String text, Map<String, Boolean> targets) {
    sections.add(text);
    otherTargets.putAll(targets);
    System.out.println(text);
    return this;
  }

  List<Benchmark.Result> tables() {
    return List.copyOf(tables);
  }

  Map<String, Boolean> otherTargets() {
    return Map.copyOf(otherTargets);
  }

  /** Every target of every table (and section) met. */
  boolean allTargetsMet() {
    return tables.stream().allMatch(Benchmark.Result::allTargetsMet)
        && otherTargets.values().stream().allMatch(Boolean::booleanValue);
  }

  String text() {
    StringBuilder sb = new StringBuilder();
    sb.append(name).append(" results\n");
    sb.append("=".repeat(name.length() + 8)).append('\n');
    sb.append("Date: ").append(started.format(DateTimeFormatter.ISO_OFFSET_DATE_TIME.withLocale(Locale.ROOT)))
        .append('\n');
    for (String line : Machine.describe()) {
      sb.append(line).append('\n');
    }
    sb.append("Load average (1, 5, 15 min) at start: ").append(startLoad).append(", at end: ")
        .append(Machine.loadAverage()).append('\n');
    for (String line : context) {
      sb.append(line).append('\n');
    }
    sb.append("Command: mvn -pl benchmarks -am verify -DskipTests -Pbench -Dbench=").append(name).append('\n');
    for (String section : sections) {
      sb.append('\n').append(section);
    }
    sb.append('\n').append(allTargetsMet() ? "All targets met." : "Some targets missed.").append('\n');
    return sb.toString();
  }

  Path write(Path dir) throws IOException {
    Files.createDirectories(dir);
    Path file = dir.resolve(name + "-results.txt");
    Files.writeString(file, text());
    return file;
  }

  static String format(Benchmark.Result table) {
    StringBuilder sb = new StringBuilder();
    sb.append(table.title()).append('\n');
    sb.append(String.format(Locale.ROOT, "%-72s %9s %10s %9s %9s   %-36s %s%n", "(" + table.warmup()
        + ", then " + table.iterations() + " measured, interleaved)", "Best ms", "Median ms",
        "Max ms", "Relative", "Target", "Met"));
    sb.append(RULE).append('\n');
    for (Benchmark.CaseResult c : table.cases()) {
      Boolean met = c.met();
      sb.append(String.format(Locale.ROOT, "%-72s %9.0f %10.0f %9.0f %8.2fX   %-36s %s%n", c.name(), c.best(),
          c.median(), c.worst(), c.relative(),
          c.target() == null ? "" : c.target().text() + " (" + String.format(Locale.ROOT, "%.2fX", c
              .targetRelative()) + ")",
          met == null ? "" : met ? "yes" : "NO"));
    }
    for (String note : table.notes()) {
      sb.append("  ").append(note).append('\n');
    }
    return sb.toString();
  }

  static String bytes(long n) {
    if (n >= 1L << 30) {
      return String.format(Locale.ROOT, "%.1f GiB", n / (double) (1L << 30));
    }
    if (n >= 1L << 20) {
      return String.format(Locale.ROOT, "%.1f MiB", n / (double) (1L << 20));
    }
    return String.format(Locale.ROOT, "%.1f KiB", n / 1024.0);
  }
}
