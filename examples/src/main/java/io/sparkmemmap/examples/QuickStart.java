package io.sparkmemmap.examples;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.rand;
import static org.apache.spark.sql.functions.transform;
import static org.apache.spark.sql.functions.array_repeat;
import static org.apache.spark.sql.functions.lit;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * Writes arrays NumPy can open, reads them back, and queries them with SQL, on an embedded local Spark.
 *
 * <p>Usage: {@code QuickStart [outputDir]} (default {@code target/quickstart}).
 */
public final class QuickStart {
  private QuickStart() {}

  public static void main(String[] args) throws Exception {
    Path out = Paths.get(args.length > 0 ? args[0] : "target/quickstart").toAbsolutePath();
    Files.createDirectories(out);
    String embeddings = out.resolve("embeddings.npy").toString();
    String parts = out.resolve("scores").toString();

    SparkSession spark = ExampleSession.start("spark-memmap QuickStart");
    try {
      long rows = 100_000;
      int dim = 8;
      Dataset<Row> generated = spark.range(rows)
          .select(transform(array_repeat(lit(0f), dim), (x, i) -> rand(7).plus(i).cast("float")).as("value"));

      // One (N, 8) float32 array in one file: np.load(path, mmap_mode='r') opens it.
      generated.write().format("npy").mode("overwrite").option("singleFile", "true").save(embeddings);
      System.out.printf("wrote %s: %d rows of %d float32%n", embeddings, rows, dim);

      // Read it back: axis 0 is the row, the trailing axes an array column; each task maps only its byte range.
      Dataset<Row> emb = spark.read().format("npy").load(embeddings);
      emb.printSchema();
      System.out.println("rows read back: " + emb.count());

      // Several scalar columns become one structured array per part file.
      emb.selectExpr("_row_index AS id", "value[0] AS first", "aggregate(value, 0D, (a, x) -> a + x) AS total")
          .write().format("npy").mode("overwrite").save(parts);
      System.out.println("wrote a directory of structured .npy parts: " + parts);

      emb.selectExpr("_row_index", "value").createOrReplaceTempView("emb"); // hidden columns are not part of a view by default
      spark.sql("SELECT count(*) AS n, avg(value[0]) AS mean0 FROM emb WHERE _row_index BETWEEN 1000 AND 1999")
          .show();
      spark.sql("SELECT count(*) AS n, max(total) AS max_total FROM npy.`" + parts + "`").show();
      spark.read().format("npy").load(parts).orderBy(col("id")).show(3);

      System.out.println("open them in NumPy:");
      System.out.printf("  python3 -c \"import numpy as np; a = np.load('%s', mmap_mode='r'); print(a.shape, a.dtype)\"%n",
          embeddings);
    } finally {
      spark.stop();
    }
  }
}
