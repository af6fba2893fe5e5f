package io.sparkmemmap.examples;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import scala.reflect.ClassTag$;

/**
 * Blocked matrix multiply {@code C = A B} of two float64 {@code .npy} matrices that need not fit in an executor's
 * memory: A streams row by row from its mapping, B is broadcast one column block at a time, and C is written as one
 * {@code .npy}. Memory per executor is bounded by one block of B, {@code k x blockColumns} doubles.
 *
 * <p>Usage: {@code MatrixMultiply [outputDir] [n] [k] [m] [blockColumns]}, or
 * {@code MatrixMultiply A.npy B.npy C.npy [blockColumns]} for matrices of your own.
 */
public final class MatrixMultiply {
  private static final StructType PARTIAL = new StructType()
      .add("row", DataTypes.LongType, false)
      .add("block", DataTypes.IntegerType, false)
      .add("part", DataTypes.createArrayType(DataTypes.DoubleType, false), false);

  private MatrixMultiply() {}

  public static void main(String[] args) throws Exception {
    SparkSession spark = ExampleSession.start("spark-memmap MatrixMultiply");
    try {
      if (args.length >= 3 && args[0].endsWith(".npy")) {
        multiply(spark, args[0], args[1], args[2], args.length > 3 ? Integer.parseInt(args[3]) : 256);
        return;
      }
      Path out = Paths.get(args.length > 0 ? args[0] : "target/matrix").toAbsolutePath();
      int n = args.length > 1 ? Integer.parseInt(args[1]) : 20_000;
      int k = args.length > 2 ? Integer.parseInt(args[2]) : 512;
      int m = args.length > 3 ? Integer.parseInt(args[3]) : 256;
      int blockColumns = args.length > 4 ? Integer.parseInt(args[4]) : 64;
      Files.createDirectories(out);
      String a = out.resolve("a.npy").toString();
      String b = out.resolve("b.npy").toString();
      String c = out.resolve("c.npy").toString();
      randomMatrix(spark, n, k, 1).write().format("npy").mode("overwrite").option("singleFile", "true").save(a);
      randomMatrix(spark, k, m, 2).write().format("npy").mode("overwrite").option("singleFile", "true").save(b);
      multiply(spark, a, b, c, blockColumns);
      System.out.printf("C = A B: (%d, %d) x (%d, %d) -> %s%n", n, k, k, m, c);
      System.out.printf("python3 -c \"import numpy as np; a, b, c = (np.load('%s/' + f + '.npy') for f in 'abc');"
          + " print(np.abs(a @ b - c).max())\"%n", out);
    } finally {
      spark.stop();
    }
  }

  private static Dataset<Row> randomMatrix(SparkSession spark, int rows, int columns, int seed) {
    return spark.range(rows).selectExpr(
        "transform(sequence(0, " + (columns - 1) + "), j -> sin(id * " + seed + " + j * 0.37))  AS value");
  }

  /** Writes {@code a @ b} to {@code c} as one float64 {@code .npy}. */
  public static void multiply(SparkSession spark, String a, String b, String c, int blockColumns) {
    Dataset<Row> left = spark.read().format("npy").load(a).selectExpr("_row_index AS row", "value");
    Dataset<Row> right = spark.read().format("npy").load(b);
    int m = right.selectExpr("size(value)").first().getInt(0);

    Dataset<Row> partials = null;
    for (int block = 0, start = 0; start < m; block++, start += blockColumns) {
      int width = Math.min(blockColumns, m - start);
      double[][] bBlock = columnBlock(right, start, width);
      Broadcast<double[][]> shared = spark.sparkContext()
          .broadcast(bBlock, ClassTag$.MODULE$.apply(double[][].class));
      Dataset<Row> partial = left.mapPartitions(new MultiplyBlock(shared, block), Encoders.row(PARTIAL));
      partials = partials == null ? partial : partials.union(partial);
    }
    partials.groupBy("row")
        .agg(org.apache.spark.sql.functions.expr(
            "flatten(transform(array_sort(collect_list(struct(block, part))), s -> s.part))").as("value"))
        .orderBy("row")
        .select("value")
        .write().format("npy").mode("overwrite").option("singleFile", "true").save(c);
  }

  /** Columns {@code start .. start+width} of B, as {@code k} rows of {@code width} doubles, in row order. */
  private static double[][] columnBlock(Dataset<Row> right, int start, int width) {
    List<Row> rows = right
        .selectExpr("_row_index AS r", "slice(value, " + (start + 1) + ", " + width + ") AS part")
        .orderBy("r")
        .collectAsList();
    double[][] block = new double[rows.size()][];
    for (int r = 0; r < block.length; r++) {
      List<Double> values = rows.get(r).getList(1);
      block[r] = new double[width];
      for (int j = 0; j < width; j++) {
        block[r][j] = values.get(j);
      }
    }
    return block;
  }

  /** For each row a_i of A, the block {@code a_i B[:, block]}. */
  private static final class MultiplyBlock implements MapPartitionsFunction<Row, Row> {
    private final Broadcast<double[][]> bBlock;
    private final int block;

    MultiplyBlock(Broadcast<double[][]> bBlock, int block) {
      this.bBlock = bBlock;
      this.block = block;
    }

    @Override
    public Iterator<Row> call(Iterator<Row> rows) {
      double[][] b = bBlock.value();
      int width = b.length == 0 ? 0 : b[0].length;
      return new Iterator<>() {
        @Override
        public boolean hasNext() {
          return rows.hasNext();
        }

        @Override
        public Row next() {
          Row row = rows.next();
          List<Double> a = row.getList(1);
          double[] c = new double[width];
          for (int r = 0; r < b.length; r++) {
            double air = a.get(r);
            double[] br = b[r];
            for (int j = 0; j < width; j++) {
              c[j] += air * br[j];
            }
          }
          return RowFactory.create(row.getLong(0), block, c);
        }
      };
    }
  }
}
