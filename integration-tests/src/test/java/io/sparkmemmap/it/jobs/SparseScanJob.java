package io.sparkmemmap.it.jobs;

import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Iterator;
import java.util.List;
import java.util.Properties;
import org.apache.spark.api.java.function.Function2;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.execution.SparkPlan;
import org.apache.spark.sql.vectorized.ColumnarBatch;

/**
 * Reads a big 1-D {@code .npy} that is almost all zeros with the connector and writes its non-zero elements,
 * each with its index, as one structured {@code .npy} ({@code index <i8, value} in the input's dtype); records the
 * row count, the rows of each input partition (first, last, count), and for every task of the write its partition,
 * the executor it ran on and the bytes it mapped.
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
      recordPartitionRows(spark.read().format("npy").load(input), result);

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

  /**
   * Records where each input partition lies, as {@code partition.<p>.rows = first,last,count}. The scan plans the
   * same partitions as the write's (same file, same options); it reads only {@code _row_index}, which maps no data,
   * and its columnar batches are looked at without turning them into rows.
   */
  private static void recordPartitionRows(Dataset<Row> array, Properties into) {
    SparkPlan scan = array.select("_row_index").queryExecution().executedPlan().collectLeaves().head();
    if (!scan.supportsColumnar()) {
      throw new IllegalStateException("the scan of " + array + " is not columnar: " + scan);
    }
    List<long[]> partitions = scan.executeColumnar().toJavaRDD().mapPartitionsWithIndex(
        (Function2<Integer, Iterator<ColumnarBatch>, Iterator<long[]>>) (partition, batches) -> {
          long first = -1;
          long last = -1;
          long count = 0;
          while (batches.hasNext()) {
            ColumnarBatch batch = batches.next();
            if (batch.numRows() > 0) {
              if (count == 0) {
                first = batch.column(0).getLong(0);
              }
              last = batch.column(0).getLong(batch.numRows() - 1);
              count += batch.numRows();
            }
          }
          return List.of(new long[] {partition, first, last, count}).iterator();
        }, false).collect();
    into.setProperty("partitions", Integer.toString(partitions.size()));
    for (long[] partition : partitions) {
      into.setProperty("partition." + partition[0] + ".rows", partition[1] + "," + partition[2] + "," + partition[3]);
    }
  }
}
