package io.sparkmemmap.benchmarks;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.sql.SparkSession;

/**
 * The run times of the tasks of a session ({@code executorRunTime}: the work of a task on its executor, without
 * Spark's planning, scheduling and result handling), to tell a query's own work from Spark's fixed cost per query.
 */
final class TaskTimes extends SparkListener {
  private final List<Long> millis = new ArrayList<>();

  static TaskTimes register(SparkSession spark) {
    TaskTimes times = new TaskTimes();
    spark.sparkContext().addSparkListener(times);
    return times;
  }

  @Override
  public synchronized void onTaskEnd(SparkListenerTaskEnd taskEnd) {
    if (taskEnd.taskMetrics() != null) {
      millis.add(taskEnd.taskMetrics().executorRunTime());
      notifyAll();
    }
  }

  /** The median run time of the last {@code n} tasks, once that many have ended (events arrive asynchronously). */
  synchronized double medianOfLast(int n) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (millis.size() < n) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        throw new IllegalStateException("only " + millis.size() + " of " + n + " tasks reported their times");
      }
      TimeUnit.NANOSECONDS.timedWait(this, left);
    }
    return Benchmark.median(millis.subList(millis.size() - n, millis.size()).stream()
        .mapToDouble(Long::doubleValue).toArray());
  }
}
