package io.sparkmemmap.benchmarks;

import io.sparkmemmap.format.DTypeKind;
import io.sparkmemmap.format.Endian;
import io.sparkmemmap.format.NpyHeader;
import io.sparkmemmap.format.ScalarDType;
import io.sparkmemmap.format.Shape;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Comparator;
import java.util.stream.Stream;
import org.apache.spark.sql.SparkSession;

/**
 * The benchmark array: {@code (rows, 16)} float32 in C order, written by the benchmark itself. Value {@code (i, j)}
 * is {@code k / 256} for a pseudo-random integer {@code k} in {@code [-32768, 32767]}: every partial sum of up to
 * 2^36 such values is a double exactly, so sums do not depend on the order Spark, Parquet or NumPy add in, and two
 * sources holding the same values must give the very same sums. The exact sums are computed while writing.
 */
final class BenchmarkData {
  static final int COLUMNS = 16;
  static final int ROW_BYTES = COLUMNS * Float.BYTES;
  static final ScalarDType FLOAT32 = ScalarDType.of(DTypeKind.FLOAT, Endian.LITTLE, 4);

  /** The array written, with the exact sum of each column. */
  record Array(Path file, long rows, double[] columnSums) {
    double totalSum() {
      double sum = 0;
      for (double s : columnSums) {
        sum += s; // each a multiple of 1/256 below 2^44 in magnitude: exact
      }
      return sum;
    }
  }

  private BenchmarkData() {}

  /** Value {@code (row, column)} of the benchmark array. */
  static float value(long row, int column) {
    return integerValue(row, column) / 256f;
  }

  private static int integerValue(long row, int column) {
    long h = (row * COLUMNS + column + 1) * 0x9E3779B97F4A7C15L; // a SplitMix64 step
    h = (h ^ (h >>> 30)) * 0xBF58476D1CE4E5B9L;
    h = (h ^ (h >>> 27)) * 0x94D049BB133111EBL;
    h ^= h >>> 31;
    return (int) (h & 0xFFFF) - 32768;
  }

  /** Writes the {@code (rows, 16)} float32 array as a {@code .npy} file, replacing any old one. */
  static Array writeNpy(Path file, long rows) throws IOException {
    Files.createDirectories(file.getParent());
    byte[] header = NpyHeader.encode(FLOAT32, false, Shape.of(rows, COLUMNS));
    long[] integerSums = new long[COLUMNS];
    int chunkRows = 1 << 16;
    ByteBuffer buffer = ByteBuffer.allocateDirect(chunkRows * ROW_BYTES).order(ByteOrder.LITTLE_ENDIAN);
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
        StandardOpenOption.TRUNCATE_EXISTING)) {
      writeFully(channel, ByteBuffer.wrap(header));
      for (long first = 0; first < rows; first += chunkRows) {
        long end = Math.min(rows, first + chunkRows);
        buffer.clear();
        for (long i = first; i < end; i++) {
          for (int j = 0; j < COLUMNS; j++) {
            int k = integerValue(i, j);
            integerSums[j] += k;
            buffer.putFloat(k / 256f);
          }
        }
        buffer.flip();
        writeFully(channel, buffer);
      }
    }
    double[] sums = new double[COLUMNS];
    for (int j = 0; j < COLUMNS; j++) {
      sums[j] = integerSums[j] / 256.0;
    }
    return new Array(file, rows, sums);
  }

  /**
   * A {@code (rows, 16)} float32 {@code .npy} whose data is a hole: the header written through the connector's
   * format package, the length set, no data block allocated. Reading it maps zeros.
   */
  static void writeSparseNpy(Path file, long rows) throws IOException {
    Files.createDirectories(file.getParent());
    Files.deleteIfExists(file);
    byte[] header = NpyHeader.encode(FLOAT32, false, Shape.of(rows, COLUMNS));
    try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
      raf.write(header);
      raf.setLength(header.length + rows * ROW_BYTES);
    }
  }

  /** The array as Parquet, uncompressed, one float column per array column: {@code c0} .. {@code c15}. */
  static void writeParquetColumns(SparkSession spark, Path npy, Path dir) {
    spark.read().format("npy").option("layout", "columns").load(npy.toString())
        .write().mode("overwrite").option("compression", "none").parquet(dir.toString());
  }

  /** The array as Parquet, uncompressed, one column {@code value} holding each row as an array of 16 floats. */
  static void writeParquetArray(SparkSession spark, Path npy, Path dir) {
    spark.read().format("npy").load(npy.toString())
        .write().mode("overwrite").option("compression", "none").parquet(dir.toString());
  }

  static void writeFully(FileChannel channel, ByteBuffer buffer) throws IOException {
    while (buffer.hasRemaining()) {
      channel.write(buffer);
    }
  }

  /** Removes a file or a directory tree, if it exists. */
  static void delete(Path path) throws IOException {
    if (!Files.exists(path)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(path)) {
      for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }
}
