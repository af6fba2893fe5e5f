package io.sparkmemmap.benchmarks;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.apache.spark.SparkContext;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerJobStart;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.sql.SparkSession;
import scala.jdk.javaapi.CollectionConverters;

/**
 * The run times of the tasks of the queries run through {@link #measure} ({@code executorRunTime}: the work of a
 * task on its executor, without Spark's planning, scheduling and result handling), to tell a query's own work from
 * Spark's fixed cost per query. The queries' jobs are told from others' by a job group of their own.
 */
final class TaskTimes extends SparkListener {
  private static final String GROUP = "measured-task-times";
  /** The job property {@code SparkContext.setJobGroup} sets (Spark's constant for it is private). */
  private static final String JOB_GROUP_PROPERTY = "spark.jobGroup.id";

  private final SparkContext context;
  private final Set<Object> stages = ConcurrentHashMap.newKeySet();
  private final List<Long> millis = new ArrayList<>();

  private TaskTimes(SparkContext context) {
    this.context = context;
  }

  static TaskTimes register(SparkSession spark) {
    TaskTimes times = new TaskTimes(spark.sparkContext());
    spark.sparkContext().addSparkListener(times);
    return times;
  }

  /** Runs {@code body}, counting the tasks of the jobs it starts. */
  Benchmark.Body measure(Benchmark.Body body) {
    return () -> {
      context.setJobGroup(GROUP, GROUP, false);
      try {
        return body.run();
      } finally {
        context.clearJobGroup();
      }
    };
  }

  @Override
  public void onJobStart(SparkListenerJobStart jobStart) {
    if (GROUP.equals(jobStart.properties().getProperty(JOB_GROUP_PROPERTY))) {
      stages.addAll(CollectionConverters.asJava(jobStart.stageIds()));
    }
  }

  @Override
  public synchronized void onTaskEnd(SparkListenerTaskEnd taskEnd) {
    if (taskEnd.taskMetrics() != null && stages.contains(taskEnd.stageId())) {
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
