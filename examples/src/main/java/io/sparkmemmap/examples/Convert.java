package io.sparkmemmap.examples;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardOpenOption;
import org.apache.spark.sql.SparkSession;

/**
 * Two conversions users ask for: a float64 {@code .npy} to float16 (half the bytes, cast while writing), and a raw
 * binary file with a header of its own to a {@code .npy} (read as {@code np.memmap} with an offset).
 *
 * <p>Usage: {@code Convert [outputDir] [rows]}.
 */
public final class Convert {
  /** Bytes of the made-up header in front of the raw file's data: what the {@code offset} option skips. */
  static final int RAW_HEADER_BYTES = 64;
  static final int RAW_COLUMNS = 4;

  private Convert() {}

  public static void main(String[] args) throws Exception {
    Path out = Paths.get(args.length > 0 ? args[0] : "target/convert").toAbsolutePath();
    long rows = args.length > 1 ? Long.parseLong(args[1]) : 100_000;
    Files.createDirectories(out);
    String doubles = out.resolve("doubles.npy").toString();
    String halves = out.resolve("halves.npy").toString();
    Path raw = out.resolve("sensor.raw");
    String fromRaw = out.resolve("sensor.npy").toString();

    SparkSession spark = ExampleSession.start("spark-memmap Convert");
    try {
      spark.range(rows).selectExpr("CAST(id AS DOUBLE) / 8 AS value")
          .write().format("npy").mode("overwrite").option("singleFile", "true").save(doubles);
      spark.read().format("npy").load(doubles)
          .write().format("npy").mode("overwrite").option("singleFile", "true").option("dtype", "<f2").save(halves);
      System.out.printf("float64 -> float16: %s (%d bytes) -> %s (%d bytes)%n",
          doubles, Files.size(Paths.get(doubles)), halves, Files.size(Paths.get(halves)));

      writeRawFile(raw, rows);
      spark.read().format("memmap")
          .option("dtype", "<i4").option("shape", "-1," + RAW_COLUMNS).option("offset", RAW_HEADER_BYTES)
          .load(raw.toString())
          .write().format("npy").mode("overwrite").option("singleFile", "true").save(fromRaw);
      System.out.printf("raw (%d-byte header, int32 x %d) -> %s: %d rows%n", RAW_HEADER_BYTES, RAW_COLUMNS, fromRaw,
          spark.read().format("npy").load(fromRaw).count());
    } finally {
      spark.stop();
    }
  }

  /** A device dump: a text header padded to 64 bytes, then little-endian int32 rows {@code (r, r+1, r+2, r+3)}. */
  static void writeRawFile(Path raw, long rows) throws IOException {
    try (FileChannel channel = FileChannel.open(raw, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
        StandardOpenOption.TRUNCATE_EXISTING)) {
      ByteBuffer header = ByteBuffer.allocate(RAW_HEADER_BYTES);
      header.put(("DEVICE-DUMP v1 int32 x " + RAW_COLUMNS + "\n").getBytes(StandardCharsets.US_ASCII));
      header.position(RAW_HEADER_BYTES).flip();
      channel.write(header);
      ByteBuffer block = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
      for (long r = 0; r < rows; r++) {
        if (block.remaining() < RAW_COLUMNS * Integer.BYTES) {
          block.flip();
          channel.write(block);
          block.clear();
        }
        for (int c = 0; c < RAW_COLUMNS; c++) {
          block.putInt((int) (r + c));
        }
      }
      block.flip();
      channel.write(block);
    }
  }
}
