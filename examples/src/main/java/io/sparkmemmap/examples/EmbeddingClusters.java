package io.sparkmemmap.examples;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.spark.ml.clustering.KMeans;
import org.apache.spark.ml.clustering.KMeansModel;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * Clusters embeddings with MLlib's KMeans straight from an {@code (N, D)} float32 {@code .npy}: the connector reads
 * it as {@code value: array<float>}, which KMeans takes as its features column as it is (no
 * {@code array_to_vector}). Writes the centroids as a {@code (k, D)} float32 {@code .npy} and each row's cluster
 * as an {@code (N,)} int32 {@code .npy}, in row order, for NumPy to pick up.
 *
 * <p>Usage: {@code EmbeddingClusters [outputDir] [rows] [dim] [clusters] [embeddings.npy]}. Without an input file
 * it writes {@code embeddings.npy}: {@code clusters} well-separated Gaussian blobs, row {@code i} drawn from blob
 * {@code i % clusters}.
 */
public final class EmbeddingClusters {
  /** Blob centres are this far apart on average and points this close to theirs: the blobs do not overlap. */
  private static final double CENTRE_SPREAD = 10.0;
  private static final double POINT_SPREAD = 0.5;
  private static final long SEED = 18;

  private static final StructType FLOAT_ROWS = new StructType()
      .add("value", DataTypes.createArrayType(DataTypes.FloatType, false), false);

  private EmbeddingClusters() {}

  public static void main(String[] args) throws Exception {
    Path out = Paths.get(args.length > 0 ? args[0] : "target/embedding-clusters").toAbsolutePath();
    long rows = args.length > 1 ? Long.parseLong(args[1]) : 100_000;
    int dim = args.length > 2 ? Integer.parseInt(args[2]) : 32;
    int clusters = args.length > 3 ? Integer.parseInt(args[3]) : 5;
    Files.createDirectories(out);
    String embeddings = args.length > 4 ? args[4] : out.resolve("embeddings.npy").toString();
    String centroids = out.resolve("centroids.npy").toString();
    String assignments = out.resolve("clusters.npy").toString();

    SparkSession spark = ExampleSession.start("spark-memmap EmbeddingClusters");
    try {
      if (args.length <= 4) {
        writeBlobs(spark, embeddings, rows, dim, clusters);
      }
      // _row_index keeps the rows' order through KMeans, which does not promise to keep it
      Dataset<Row> points = spark.read().format("npy").load(embeddings).selectExpr("_row_index", "value");
      KMeansModel model = new KMeans().setK(clusters).setSeed(SEED).setFeaturesCol("value")
          .setPredictionCol("cluster").fit(points);

      List<Row> centres = new ArrayList<>();
      for (Vector centre : model.clusterCenters()) {
        centres.add(RowFactory.create((Object) toFloats(centre.toArray())));
      }
      spark.createDataFrame(centres, FLOAT_ROWS)
          .coalesce(1) // one partition keeps the centres in the model's order, so cluster c is row c
          .write().format("npy").mode("overwrite").option("singleFile", "true").save(centroids);
      model.transform(points).orderBy("_row_index").select("cluster")
          .write().format("npy").mode("overwrite").option("singleFile", "true").save(assignments);

      System.out.printf("%d embeddings of %d dimensions in %d clusters: centroids in %s, cluster of each row in %s%n",
          spark.read().format("npy").load(assignments).count(), model.clusterCenters()[0].size(), clusters,
          centroids, assignments);
      System.out.printf("python3 -c \"import numpy as np; print(np.bincount(np.load('%s')))\"%n", assignments);
    } finally {
      spark.stop();
    }
  }

  /**
   * Row {@code i}: the centre of blob {@code i % clusters} plus Gaussian noise seeded by {@code i}, so that any task
   * draws the same rows whatever the partitioning.
   */
  private static void writeBlobs(SparkSession spark, String path, long rows, int dim, int clusters) {
    float[][] centres = new float[clusters][];
    Random centreRandom = new Random(SEED);
    for (int c = 0; c < clusters; c++) {
      centres[c] = new float[dim];
      for (int j = 0; j < dim; j++) {
        centres[c][j] = (float) (centreRandom.nextGaussian() * CENTRE_SPREAD);
      }
    }
    Dataset<Row> points = spark.createDataFrame(spark.range(rows).javaRDD().map(id -> {
      float[] centre = centres[(int) (id % clusters)];
      Random noise = new Random(SEED * 1_000_003L + id);
      float[] point = new float[dim];
      for (int j = 0; j < dim; j++) {
        point[j] = (float) (centre[j] + noise.nextGaussian() * POINT_SPREAD);
      }
      return RowFactory.create((Object) point);
    }), FLOAT_ROWS);
    points.write().format("npy").mode("overwrite").option("singleFile", "true").save(path);
  }

  private static float[] toFloats(double[] values) {
    float[] floats = new float[values.length];
    for (int i = 0; i < values.length; i++) {
      floats[i] = (float) values[i];
    }
    return floats;
  }
}
