package io.sparkmemmap.benchmarks;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.function.BiPredicate;

/**
 * One table of timings, in the manner of Spark's own {@code Benchmark}: cases that run the same work, the first of
 * them the baseline that the others' "Relative" (baseline time / case time) refers to. Iterations are interleaved,
 * one of each case in turn, so that a burst of load on a shared machine falls on every case alike. Before them,
 * each case is warmed up, untimed, for a least number of runs and a least time (10 s by default; Spark's own
 * {@code Benchmark} warms up for a time too, JMH for 50 s): a query of a few milliseconds is otherwise timed while
 * Spark's planner still runs in the interpreter (a query of one task that reads nothing took 34 ms after 2 s of
 * warm-up, 12 ms after 10 s). The first warm-up run also brings the data into the page cache. Each case returns
 * its answer, and the answers must agree with the baseline's: a benchmark that computed something else fails.
 */
final class Benchmark {
  /** The work of one iteration; returns the query's answer, or a {@link Timed} when it times itself. */
  @FunctionalInterface
  interface Body {
    Object run() throws Exception;
  }

  /** What a body that times itself (NumPy, in its own process) returns: its time and its answer. */
  record Timed(double millis, Object answer) {}

  /** Untimed work before each iteration of a case, e.g. removing the previous iteration's output. */
  @FunctionalInterface
  interface Step {
    void run() throws Exception;
  }

  /**
   * What a case must reach: {@code minRelative} is the least {@code reference time / case time}, the reference
   * being the baseline or the case named {@code against}.
   */
  record Target(String text, double minRelative, String against) {
    static Target fasterBy(double factor) {
      return new Target(">= " + format(factor) + "x faster", factor, null);
    }

    /** At most {@code fraction} of the reference's time. */
    static Target atMost(String text, double fraction) {
      return new Target(text, 1 / fraction, null);
    }

    Target against(String caseName) {
      return new Target(text, minRelative, caseName);
    }
  }

  /** The timings of one case, in milliseconds, and its last answer. */
  record CaseResult(String name, double[] millis, Object answer, Target target, double relative,
      Double targetRelative) {
    double median() {
      return Benchmark.median(millis);
    }

    double best() {
      return Arrays.stream(millis).min().orElse(Double.NaN);
    }

    double worst() {
      return Arrays.stream(millis).max().orElse(Double.NaN);
    }

    /** Whether the target is met; null when the case has none. */
    Boolean met() {
      return target == null ? null : targetRelative >= target.minRelative();
    }
  }

  /** A finished table. */
  record Result(String title, List<CaseResult> cases, List<String> notes, Warmup warmup, int iterations) {
    CaseResult get(String name) {
      return cases.stream().filter(c -> c.name().equals(name)).findFirst()
          .orElseThrow(() -> new IllegalArgumentException("no case " + name + " in " + title));
    }

    boolean allTargetsMet() {
      return cases.stream().allMatch(c -> c.met() == null || c.met());
    }

    Result withNote(String line) {
      List<String> more = new ArrayList<>(notes);
      more.add(line);
      return new Result(title, cases, List.copyOf(more), warmup, iterations);
    }
  }

  /** The untimed runs of each case before the measured ones: at least {@code runs} of them, and {@code millis}. */
  record Warmup(int runs, long millis) {
    @Override
    public String toString() {
      return millis == 0 ? runs + " warm-up" : "warm-up of " + runs + " runs and " + format(millis / 1000.0)
          + " s a case";
    }
  }

  private record Case(String name, Step before, Body body, Target target) {}

  private final String title;
  private final List<Case> cases = new ArrayList<>();
  private final List<String> notes = new ArrayList<>();
  private BiPredicate<Object, Object> sameAnswer = Objects::equals;

  Benchmark(String title) {
    this.title = title;
  }

  /** Adds a case; the first one added is the baseline. */
  Benchmark addCase(String name, Target target, Body body) {
    return addCase(name, target, null, body);
  }

  /** Adds a case with untimed work before each of its iterations. */
  Benchmark addCase(String name, Target target, Step before, Body body) {
    cases.add(new Case(name, before, body, target));
    return this;
  }

  /** How two answers are compared; equality unless set. */
  Benchmark sameAnswerWhen(BiPredicate<Object, Object> sameAnswer) {
    this.sameAnswer = sameAnswer;
    return this;
  }

  /** For tables whose cases answer different questions (a scan and a count): their answers are checked apart. */
  Benchmark answersNotCompared() {
    this.sameAnswer = null;
    return this;
  }

  /** A line printed under the table: what was measured, the plan, the metrics. */
  Benchmark note(String line) {
    notes.add(line);
    return this;
  }

  Result run(Warmup warmup, int iterations) throws Exception {
    if (iterations < 1) {
      throw new IllegalArgumentException("at least one measured iteration");
    }
    System.out.println("Running " + title);
    Object[] answers = new Object[cases.size()];
    for (int c = 0; c < cases.size(); c++) {
      long until = System.nanoTime() + warmup.millis() * 1_000_000;
      for (int i = 0; i < warmup.runs() || System.nanoTime() < until; i++) {
        timeOnce(cases.get(c), answers, c);
      }
    }
    double[][] millis = new double[cases.size()][iterations];
    for (int i = 0; i < iterations; i++) {
      for (int c = 0; c < cases.size(); c++) {
        millis[c][i] = timeOnce(cases.get(c), answers, c);
        System.out.printf(Locale.ROOT, "  %-64s iteration %d: %.0f ms%n", cases.get(c).name(), i + 1, millis[c][i]);
      }
    }
    for (int c = 1; c < cases.size() && sameAnswer != null; c++) {
      if (!sameAnswer.test(answers[0], answers[c])) {
        throw new IllegalStateException(title + ": case '" + cases.get(c).name() + "' answered " + answers[c]
            + " but the baseline '" + cases.get(0).name() + "' answered " + answers[0]);
      }
    }
    List<CaseResult> results = new ArrayList<>();
    double baseline = median(millis[0]);
    for (int c = 0; c < cases.size(); c++) {
      Case k = cases.get(c);
      double time = median(millis[c]);
      Double targetRelative = null;
      if (k.target() != null) {
        targetRelative = median(millis[indexOf(k.target().against())]) / time;
      }
      results.add(new CaseResult(k.name(), millis[c], answers[c], k.target(), baseline / time, targetRelative));
    }
    return new Result(title, List.copyOf(results), List.copyOf(notes), warmup, iterations);
  }

  private int indexOf(String name) {
    if (name == null) {
      return 0;
    }
    for (int c = 0; c < cases.size(); c++) {
      if (cases.get(c).name().equals(name)) {
        return c;
      }
    }
    throw new IllegalArgumentException("no case " + name + " in " + title);
  }

  private static double timeOnce(Case k, Object[] answers, int index) throws Exception {
    if (k.before() != null) {
      k.before().run();
    }
    long start = System.nanoTime();
    Object answer = k.body().run();
    double millis = (System.nanoTime() - start) / 1e6;
    if (answer instanceof Timed timed) {
      answers[index] = timed.answer();
      return timed.millis();
    }
    answers[index] = answer;
    return millis;
  }

  static double median(double[] values) {
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    int n = sorted.length;
    return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
  }

  static String format(double value) {
    return value == Math.rint(value) ? Long.toString((long) value) : String.format(Locale.ROOT, "%.2f", value)
        .replaceAll("0+$", "");
  }
}
