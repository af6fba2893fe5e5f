package io.sparkmemmap.benchmarks;

/** One benchmark class: runs its tables and returns its report, which the runner writes to a results file. */
interface BenchmarkSuite {
  Report run(BenchmarkConfig config) throws Exception;

  default String name() {
    return getClass().getSimpleName();
  }
}
