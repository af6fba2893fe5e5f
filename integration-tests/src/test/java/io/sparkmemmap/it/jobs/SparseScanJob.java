package io.sparkmemmap.it.jobs;

import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Properties;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * Reads a big 1-D {@code .npy} that is almost all zeros with the connector and writes its non-zero elements,
 * each with its index, as one structured {@code .npy} ({@code index <i8, value} in the input's dtype); records the
 * row count and, for every task, the executor it ran on and the bytes it mapped.
 *
 * <p>Usage: {@code SparseScanJob <input.npy> <output.npy> <result.properties>}.
 */
public final class SparseScanJob {
  /** The scan metric that counts the bytes each task mapped. */
  public static final String BYTES_MAPPED = "bytesMapped";

  private SparseScanJob() {}

  public static void main(String[] args) throws Exception {
    String input = args[0];
    String output = args[1];
    Path resultFile = Paths.get(args[2]);

    SparkSession spark = SparkSession.builder().appName("SparseScanJob").getOrCreate();
    try {
      Properties result = new Properties();
      result.setProperty("count", Long.toString(spark.read().format("npy").load(input).count()));

      Dataset<Row> nonZero = spark.read().format("npy").load(input)
          .selectExpr("_row_index AS index", "value")
          .where("value <> 0");
      TaskMetricsRecorder recorder = TaskMetricsRecorder.registerFor(nonZero, BYTES_MAPPED);
      nonZero.write().format("npy").option("singleFile", "true").save(output);
      recorder.store(spark.sparkContext(), result);

      JobResult.write(result, resultFile, "SparseScanJob");
    } finally {
      spark.stop();
    }
  }
}
