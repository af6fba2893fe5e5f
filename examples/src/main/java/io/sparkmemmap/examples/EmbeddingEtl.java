package io.sparkmemmap.examples;

import static org.apache.spark.sql.functions.col;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * Embedding ETL: an {@code (N, D)} float32 {@code .npy} joined with row metadata, filtered, and written as one
 * {@code .npy} that PyTorch opens with {@code torch.from_numpy(np.load(path, mmap_mode='r'))}.
 *
 * <p>Usage: {@code EmbeddingEtl [outputDir] [rows] [dim]}.
 */
public final class EmbeddingEtl {
  private EmbeddingEtl() {}

  public static void main(String[] args) throws Exception {
    Path out = Paths.get(args.length > 0 ? args[0] : "target/embedding-etl").toAbsolutePath();
    long rows = args.length > 1 ? Long.parseLong(args[1]) : 200_000;
    int dim = args.length > 2 ? Integer.parseInt(args[2]) : 64;
    Files.createDirectories(out);
    String embeddings = out.resolve("embeddings.npy").toString();
    String metadata = out.resolve("metadata.parquet").toString();
    String selected = out.resolve("english.npy").toString();

    SparkSession spark = ExampleSession.start("spark-memmap EmbeddingEtl");
    try {
      // Inputs as a model and a labelling job would leave them: a float32 matrix, and metadata keyed by row.
      spark.range(rows)
          .selectExpr("transform(sequence(0, " + (dim - 1) + "), j -> CAST(sin(id + j) AS FLOAT)) AS value")
          .write().format("npy").mode("overwrite").option("singleFile", "true").save(embeddings);
      spark.range(rows)
          .selectExpr("id AS row_id", "CASE WHEN id % 3 = 0 THEN 'en' ELSE 'de' END AS lang",
              "CAST(id % 10 AS INT) AS label")
          .write().mode("overwrite").parquet(metadata);

      Dataset<Row> vectors = spark.read().format("npy").load(embeddings).selectExpr("_row_index AS row_id", "value");
      Dataset<Row> meta = spark.read().parquet(metadata);
      Dataset<Row> english = vectors.join(meta, "row_id")
          .where(col("lang").equalTo("en").and(col("label").lt(5)))
          .orderBy("row_id");

      english.select("value").write().format("npy").mode("overwrite").option("singleFile", "true").save(selected);
      english.select("row_id", "label").write().format("npy").mode("overwrite").option("singleFile", "true")
          .save(out.resolve("english-labels.npy").toString());
      System.out.printf("selected %d of %d embeddings into %s%n",
          spark.read().format("npy").load(selected).count(), rows, selected);
      System.out.printf("python3 -c \"import numpy as np, torch; t = torch.from_numpy(np.load('%s', mmap_mode='r').copy()); print(t.shape)\"%n",
          selected);
    } finally {
      spark.stop();
    }
  }
}
