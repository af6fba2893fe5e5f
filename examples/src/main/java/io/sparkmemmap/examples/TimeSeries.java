package io.sparkmemmap.examples;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.expr;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * Sensor readings appended batch by batch to one structured {@code .npy}
 * ({@code [('t','<M8[us]'),('sensor','<i4'),('value','<f4')]}), then queried with windowed SQL.
 *
 * <p>Usage: {@code TimeSeries [outputDir] [batches] [rowsPerBatch]}.
 */
public final class TimeSeries {
  private TimeSeries() {}

  public static void main(String[] args) throws Exception {
    Path out = Paths.get(args.length > 0 ? args[0] : "target/timeseries").toAbsolutePath();
    int batches = args.length > 1 ? Integer.parseInt(args[1]) : 5;
    long rowsPerBatch = args.length > 2 ? Long.parseLong(args[2]) : 60_000;
    Files.createDirectories(out);
    String series = out.resolve("readings.npy").toString();
    Files.deleteIfExists(Paths.get(series));

    SparkSession spark = ExampleSession.start("spark-memmap TimeSeries");
    try {
      for (int batch = 0; batch < batches; batch++) {
        long first = batch * rowsPerBatch;
        // One reading a second from each of 4 sensors; the arrival order is the file order.
        Dataset<Row> readings = spark.range(first, first + rowsPerBatch).select(
            expr("timestamp_seconds(1767225600 + id DIV 4)").as("t"),
            expr("CAST(id % 4 AS INT)").as("sensor"),
            expr("CAST(sin(id / 1000.0) * 10 + (id % 4) AS FLOAT)").as("value"));
        readings.write().format("npy").mode("append").option("singleFile", "true").save(series);
        long total = spark.read().format("npy").load(series).count();
        System.out.printf("batch %d appended: %s now holds %d readings%n", batch, series, total);
      }

      spark.read().format("npy").load(series).selectExpr("*", "_row_index").createOrReplaceTempView("readings");
      Dataset<Row> perWindow = spark.sql(
          "SELECT sensor, window.start AS minute, count(*) AS n, avg(value) AS mean, max(value) AS peak "
              + "FROM readings GROUP BY sensor, window(t, '1 minute') ORDER BY minute, sensor");
      perWindow.show(8, false);
      System.out.println("windows: " + perWindow.count());
      spark.sql("SELECT sensor, avg(value) OVER (PARTITION BY sensor ORDER BY t ROWS BETWEEN 9 PRECEDING AND CURRENT ROW)"
              + " AS moving_mean FROM readings WHERE _row_index < 40")
          .where(col("sensor").equalTo(0)).show(5);
      System.out.printf("python3 -c \"import numpy as np; a = np.load('%s', mmap_mode='r'); print(a.dtype, a.shape)\"%n",
          series);
    } finally {
      spark.stop();
    }
  }
}
