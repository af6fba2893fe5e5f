package io.sparkmemmap.it.jobs;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.TimeoutException;
import org.apache.spark.SparkContext;
import org.apache.spark.scheduler.AccumulableInfo;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.execution.SparkPlan;
import org.apache.spark.sql.execution.metric.SQLMetric;
import scala.jdk.javaapi.CollectionConverters;

/**
 * Records, for every task that ends, the executor it ran on and the values that chosen scan metrics took in it.
 * A scan's metrics ({@code CustomTaskMetric}s included) reach the driver as accumulator updates named by the
 * metric's description; the recorder learns those names from the scan node of a planned query.
 */
public final class TaskMetricsRecorder extends SparkListener {
  /** One finished task: its partition, where it ran and its values of the recorded metrics, by metric key. */
  public record Task(int partition, String executorId, boolean successful, Map<String, Long> metrics) {}

  /** Accumulator name (the metric's description) to the metric's key in the scan node ({@code bytesMapped}). */
  private final Map<String, String> keysByAccumulatorName;
  private final List<Task> tasks = new ArrayList<>();

  private TaskMetricsRecorder(Map<String, String> keysByAccumulatorName) {
    this.keysByAccumulatorName = keysByAccumulatorName;
  }

  /**
   * Starts recording the metrics {@code metricKeys} of the scan in {@code query}'s plan (the leaf that has them).
   */
  public static TaskMetricsRecorder registerFor(Dataset<?> query, String... metricKeys) {
    Map<String, String> names = new TreeMap<>();
    for (SparkPlan leaf : CollectionConverters.asJava(query.queryExecution().executedPlan().collectLeaves())) {
      Map<String, SQLMetric> metrics = CollectionConverters.asJava(leaf.metrics());
      for (String key : metricKeys) {
        if (metrics.containsKey(key)) {
          names.put(metrics.get(key).name().get(), key);
        }
      }
    }
    if (names.size() != metricKeys.length) {
      throw new IllegalStateException("no scan in the plan has all the metrics " + List.of(metricKeys) + ":\n"
          + query.queryExecution().executedPlan());
    }
    TaskMetricsRecorder recorder = new TaskMetricsRecorder(names);
    query.sparkSession().sparkContext().addSparkListener(recorder);
    return recorder;
  }

  @Override
  public synchronized void onTaskEnd(SparkListenerTaskEnd taskEnd) {
    Map<String, Long> metrics = new TreeMap<>();
    for (AccumulableInfo info : CollectionConverters.asJava(taskEnd.taskInfo().accumulables())) {
      String key = info.name().isDefined() ? keysByAccumulatorName.get(info.name().get()) : null;
      if (key != null && info.update().isDefined()) {
        metrics.merge(key, ((Number) info.update().get()).longValue(), Long::sum);
      }
    }
    tasks.add(new Task(taskEnd.taskInfo().partitionId(), taskEnd.taskInfo().executorId(),
        taskEnd.taskInfo().successful(), metrics));
  }

  /**
   * Stores every task that ended so far, once the listener bus has delivered the events posted before this
   * call, as {@code tasks}, {@code task.<i>.partition}, {@code task.<i>.executor}, {@code task.<i>.successful},
   * {@code task.<i>.metric.<key>}.
   */
  public void store(SparkContext context, Properties into) throws TimeoutException {
    context.listenerBus().waitUntilEmpty();
    List<Task> recorded;
    synchronized (this) {
      recorded = List.copyOf(tasks);
    }
    into.setProperty("tasks", Integer.toString(recorded.size()));
    for (int i = 0; i < recorded.size(); i++) {
      Task task = recorded.get(i);
      into.setProperty("task." + i + ".partition", Integer.toString(task.partition()));
      into.setProperty("task." + i + ".executor", task.executorId());
      into.setProperty("task." + i + ".successful", Boolean.toString(task.successful()));
      for (Map.Entry<String, Long> metric : task.metrics().entrySet()) {
        into.setProperty("task." + i + ".metric." + metric.getKey(), Long.toString(metric.getValue()));
      }
    }
  }
}
