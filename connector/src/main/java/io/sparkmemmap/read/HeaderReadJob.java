package io.sparkmemmap.read;

import io.sparkmemmap.read.NpyDataset.Outcome;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.spark.SparkContext;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.internal.SQLConf;
import org.apache.spark.util.SerializableConfiguration;

/**
 * The headers of many files on a remote file system, read by a Spark job on the executors, as Spark's
 * {@code HadoopFSUtils.parallelListLeafFiles} lists many directories: past
 * {@code spark.sql.sources.parallelPartitionDiscovery.threshold} files (or option {@code headerJobThreshold}), one
 * task per group of files reads its group's headers several at a time and sends back their facts, never data. The
 * driver then plans as for headers it read itself; a file's failure travels back as the file's outcome, so the read
 * fails with the same error, naming the same file, as on the driver.
 */
final class HeaderReadJob {
  /** The start of the job's description, as the Spark UI and listeners see it. */
  static final String DESCRIPTION = "spark-memmap: reading the headers of ";

  private HeaderReadJob() {}

  /** Whether {@code files} remote files are past the read's threshold, with a Spark session to run a job in. */
  static boolean applies(int files, ReadOptions options) {
    long threshold = options.headerJobThreshold().orElse(SQLConf.get().parallelPartitionDiscoveryThreshold());
    return files > threshold && SparkSession.getActiveSession().isDefined();
  }

  /**
   * Reads the headers of {@code files} in a job of at most as many tasks as the cluster runs at once (and at most
   * {@code spark.sql.sources.parallelPartitionDiscovery.parallelism}).
   *
   * @param array the {@code .npz} entry chosen by option {@code array}, or {@code null}
   * @return each file's outcome, in the order of {@code files}
   */
  static List<Outcome> run(List<FileStatus> files, String array, Configuration conf) {
    SparkContext context = ((org.apache.spark.sql.classic.SparkSession) SparkSession.active()).sparkContext();
    int tasks = Math.max(1, Math.min(files.size(),
        Math.min(context.defaultParallelism(), SQLConf.get().parallelPartitionDiscoveryParallelism())));
    String previous = context.getLocalProperty("spark.job.description");
    context.setJobDescription(DESCRIPTION + files.size() + " files, first " + files.get(0).getPath());
    try {
      return JavaSparkContext.fromSparkContext(context).parallelize(files, tasks)
          .mapPartitions(new ReadGroup(new SerializableConfiguration(conf), array))
          .collect();
    } finally {
      context.setJobDescription(previous);
    }
  }

  /** A task: its group's headers, read several at a time. */
  private static final class ReadGroup implements FlatMapFunction<Iterator<FileStatus>, Outcome> {
    private static final long serialVersionUID = 1L;
    private final SerializableConfiguration conf;
    private final String array;

    ReadGroup(SerializableConfiguration conf, String array) {
      this.conf = conf;
      this.array = array;
    }

    @Override
    public Iterator<Outcome> call(Iterator<FileStatus> group) throws IOException {
      List<FileStatus> files = new ArrayList<>();
      group.forEachRemaining(files::add);
      Configuration hadoopConf = conf.value();
      return NpyDataset.describeInParallel(files, NpyDataset.REMOTE_HEADER_READ_THREADS, status ->
          NpyDataset.describeNpy(status.getPath().getFileSystem(hadoopConf), status, array, hadoopConf)).iterator();
    }
  }
}
