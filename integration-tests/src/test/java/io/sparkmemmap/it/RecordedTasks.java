package io.sparkmemmap.it;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;

/** The tasks a job's {@code TaskMetricsRecorder} stored in its result file, and the job's row count. */
record RecordedTasks(long count, List<RecordedTasks.Task> tasks) {
  /** One finished task: its partition, where it ran, whether it succeeded, its metric values by name. */
  record Task(int partition, String executorId, boolean successful, Map<String, Long> metrics) {}

  static RecordedTasks of(Properties properties) {
    List<Task> tasks = new ArrayList<>();
    int taskCount = Integer.parseInt(properties.getProperty("tasks"));
    for (int i = 0; i < taskCount; i++) {
      String prefix = "task." + i + ".metric.";
      Map<String, Long> metrics = new TreeMap<>();
      for (String key : properties.stringPropertyNames()) {
        if (key.startsWith(prefix)) {
          metrics.put(key.substring(prefix.length()), Long.parseLong(properties.getProperty(key)));
        }
      }
      tasks.add(new Task(Integer.parseInt(properties.getProperty("task." + i + ".partition")),
          properties.getProperty("task." + i + ".executor"),
          Boolean.parseBoolean(properties.getProperty("task." + i + ".successful")), metrics));
    }
    return new RecordedTasks(Long.parseLong(properties.getProperty("count")), List.copyOf(tasks));
  }

  /** The sum of {@code metric} over the successful tasks of each executor that reported it. */
  Map<String, Long> sumByExecutor(String metric) {
    Map<String, Long> sums = new TreeMap<>();
    for (Task task : tasks) {
      Long value = task.metrics().get(metric);
      if (task.successful() && value != null) {
        sums.merge(task.executorId(), value, Long::sum);
      }
    }
    return sums;
  }
}
