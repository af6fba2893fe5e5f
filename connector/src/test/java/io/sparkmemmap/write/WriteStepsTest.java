package io.sparkmemmap.write;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkmemmap.ArrayFormat;
import io.sparkmemmap.Python;
import io.sparkmemmap.SparkTestSession;
import io.sparkmemmap.SparkValues;
import io.sparkmemmap.format.DTypeKind;
import io.sparkmemmap.format.Endian;
import io.sparkmemmap.format.NpyHeader;
import io.sparkmemmap.format.NumpyDescr;
import io.sparkmemmap.format.ScalarDType;
import io.sparkmemmap.format.Shape;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import org.apache.spark.sql.catalyst.expressions.GenericInternalRow;
import org.apache.spark.sql.connector.write.BatchWrite;
import org.apache.spark.sql.connector.write.DataWriter;
import org.apache.spark.sql.connector.write.DataWriterFactory;
import org.apache.spark.sql.connector.write.LogicalWriteInfo;
import org.apache.spark.sql.connector.write.WriterCommitMessage;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.sql.util.CaseInsensitiveStringMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The steps of a write taken one at a time, as a crash or a race would cut them: header sizes, float16 rounding,
 * an append stopped between data and header, attempts the job must ignore, a target that appears mid-job.
 */
class WriteStepsTest {
  @TempDir
  Path dir;

  @Test
  void float16RoundsAsNumpy() {
    List<Double> values = new ArrayList<>(List.of(0.0, -0.0, 1.0, -1.0, 65504.0, 65519.99, 65520.0, -65520.0, 1e300,
        Math.scalb(1.0, -24), Math.scalb(1.0, -25), Math.scalb(1.5, -25), Math.scalb(1.0, -26), Math.scalb(1.0, -14),
        Math.scalb(1023.0, -24), Math.scalb(1023.5, -24), Math.scalb(2047.0, -25), 1 + Math.scalb(1.0, -11),
        1 + Math.scalb(3.0, -11), 1 + Math.scalb(1.0, -11) + Math.scalb(1.0, -40), Double.MIN_VALUE,
        Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, 0.1, 1.0 / 3));
    Random random = new Random(42);
    for (int i = 0; i < 3000; i++) {
      values.add(Math.scalb(random.nextDouble() * 2 - 1, random.nextInt(50) - 30));
    }
    StringBuilder hex = new StringBuilder("[");
    for (double v : values) {
      hex.append("'").append(Double.toHexString(v)).append("',");
    }
    Object numpy = NumpyChecks.run(String.join("\n",
        "x = np.array([float.fromhex(h) for h in " + hex + "]], 'f8')",
        "with np.errstate(over='ignore'):",
        "    emit(x.astype('f2').view('u2').tolist())"));
    List<Object> java = new ArrayList<>();
    for (double v : values) {
      java.add(BigInteger.valueOf(Float16.fromDouble(v) & 0xFFFF));
    }
    assertEquals(numpy, java);
    assertEquals((short) 0x7E00, (short) (Float16.fromDouble(Double.NaN) & 0xFE00));
  }

  @Test
  void headerLengthDoesNotDependOnTheRowCount() {
    List<String> descrs = List.of("<f4", "|b1", "<U7", ">M8[ns]", "[('a', '<i4'), ('b', '<f8', (3,))]",
        "[('" + "x".repeat(200) + "', '<f4')]");
    for (String descr : descrs) {
      for (long[] row : List.of(new long[0], new long[] {3}, new long[] {2, 1000000})) {
        int first = -1;
        for (long rows : new long[] {0, 1, 9, 10, 99_999, 1L << 40, Long.MAX_VALUE / 1_000_000_000L}) {
          long[] dims = new long[row.length + 1];
          dims[0] = rows;
          System.arraycopy(row, 0, dims, 1, row.length);
          int length = NpyHeader.encode(NumpyDescr.parse(descr), false, Shape.of(dims)).length;
          if (first < 0) {
            first = length;
          }
          assertEquals(first, length, descr + " with " + rows + " rows");
          assertEquals(0, length % 64);
        }
      }
    }
  }

  @Test
  void anAppendStoppedBeforeTheHeaderLeavesTheOldArray() throws IOException {
    Path file = dir.resolve("a.npy");
    NumpyChecks.run("np.save(" + Python.literal(file) + ", np.arange(5, dtype='<f8') * 1.5)\nemit(True)");
    byte[] original = Files.readAllBytes(file);
    Path newRows = writeDoubles(dir.resolve("rows.bin"), 100.0, 101.0, 102.0);
    ScalarDType f8 = ScalarDType.of(DTypeKind.FLOAT, Endian.LITTLE, 8);
    org.apache.hadoop.fs.Path hadoopFile = new org.apache.hadoop.fs.Path(file.toUri());
    List<ByteRange> rows = List.of(new ByteRange(new org.apache.hadoop.fs.Path(newRows.toUri()), 0, 24));

    try (InPlaceAppend append = InPlaceAppend.open(hadoopFile, true, f8, Shape.scalar(), 3).orElseThrow()) {
      append.appendData(rows); // ... and the process dies before commitHeader()
    }
    assertEquals(original.length + 24, Files.size(file));
    Object old = NumpyChecks.run(String.join("\n",
        "f = " + Python.literal(file),
        "emit([np.load(f).tolist(), np.load(f, mmap_mode='r').tolist()])"));
    List<Double> oldValues = List.of(0.0, 1.5, 3.0, 4.5, 6.0);
    assertEquals(List.of(oldValues, oldValues), old);

    // the next append writes over the orphaned bytes, and the array grows by exactly its own rows
    Path more = writeDoubles(dir.resolve("more.bin"), 7.0);
    try (InPlaceAppend append = InPlaceAppend.open(hadoopFile, true, f8, Shape.scalar(), 1).orElseThrow()) {
      append.appendData(List.of(new ByteRange(new org.apache.hadoop.fs.Path(more.toUri()), 0, 8)));
      append.commitHeader();
    }
    assertEquals(SparkValues.parseJson("[0.0, 1.5, 3.0, 4.5, 6.0, 7.0]"), NumpyChecks.singleFile(file).get("values"));
    byte[] grown = Files.readAllBytes(file);
    assertArrayEquals(java.util.Arrays.copyOfRange(original, 128, original.length),
        java.util.Arrays.copyOfRange(grown, 128, original.length));
  }

  private static Path writeDoubles(Path file, double... values) throws IOException {
    ByteBuffer bytes = ByteBuffer.allocate(8 * values.length).order(ByteOrder.LITTLE_ENDIAN);
    for (double v : values) {
      bytes.putDouble(v);
    }
    return Files.write(file, bytes.array());
  }

  private static LogicalWriteInfo info(StructType schema, Map<String, String> options) {
    String queryId = UUID.randomUUID().toString();
    return new LogicalWriteInfo() {
      @Override
      public CaseInsensitiveStringMap options() {
        return new CaseInsensitiveStringMap(options);
      }

      @Override
      public String queryId() {
        return queryId;
      }

      @Override
      public StructType schema() {
        return schema;
      }
    };
  }

  private static WriterCommitMessage attempt(DataWriterFactory factory, int partition, long taskId, long... values)
      throws IOException {
    DataWriter<org.apache.spark.sql.catalyst.InternalRow> writer = factory.createWriter(partition, taskId);
    try {
      for (long v : values) {
        writer.write(new GenericInternalRow(new Object[] {v}));
      }
      return writer.commit();
    } finally {
      writer.close();
    }
  }

  @Test
  void theJobPublishesExactlyTheAttemptsSparkHandsIt() throws IOException {
    SparkTestSession.get();
    for (boolean single : List.of(false, true)) {
      Path target = dir.resolve("attempts-" + single);
      StructType schema = new StructType().add("value", DataTypes.LongType);
      BatchWrite batch = new NpyWriteBuilder(ArrayFormat.NPY, target.toString(),
          Map.of("singleFile", Boolean.toString(single)), info(schema, Map.of()), WriteMode.CREATE)
          .build().toBatch();
      DataWriterFactory factory = batch.createBatchWriterFactory(null);
      WriterCommitMessage lostAttempt = attempt(factory, 0, 1, 1, 2, 3);
      WriterCommitMessage partition0 = attempt(factory, 0, 2, 10, 11);
      WriterCommitMessage partition1 = attempt(factory, 1, 3, 12);
      attempt(factory, 1, 4, 99, 99, 99); // a speculative copy whose commit was denied
      assertTrue(lostAttempt.toString().contains("3 rows"));
      batch.commit(new WriterCommitMessage[] {partition0, partition1});
      Map<String, Object> numpy = single ? NumpyChecks.singleFile(target) : NumpyChecks.directory(target);
      assertEquals(SparkValues.parseJson("[10, 11, 12]"), numpy.get("values"));
      NumpyChecks.assertNoStaging(target);
    }
  }

  @Test
  void aTargetThatAppearsMidJobIsNotReplaced() throws IOException {
    SparkTestSession.get();
    for (boolean single : List.of(false, true)) {
      Path target = dir.resolve("race-" + single);
      StructType schema = new StructType().add("value", DataTypes.LongType);
      BatchWrite batch = new NpyWriteBuilder(ArrayFormat.NPY, target.toString(),
          Map.of("singleFile", Boolean.toString(single)), info(schema, Map.of()), WriteMode.CREATE)
          .build().toBatch();
      DataWriterFactory factory = batch.createBatchWriterFactory(null);
      WriterCommitMessage part = attempt(factory, 0, 1, 5, 6);
      if (single) {
        Files.writeString(target, "another writer's file");
      } else {
        Files.createDirectory(target);
        Files.writeString(target.resolve("theirs.npy"), "another writer's part");
      }
      Exception e = assertThrows(Exception.class, () -> batch.commit(new WriterCommitMessage[] {part}));
      assertTrue(NumpyChecks.messages(e).contains("already exists"), NumpyChecks.messages(e));
      assertEquals("another writer's " + (single ? "file" : "part"),
          Files.readString(single ? target : target.resolve("theirs.npy")));
      NumpyChecks.assertNoStaging(target);
    }
  }

  @Test
  void partsAreAssembledInPartitionOrderWhateverOrderTheirTasksCommitIn() throws IOException {
    SparkTestSession.get();
    for (ArrayFormat format : List.of(ArrayFormat.NPY, ArrayFormat.MEMMAP)) { // the formats of fixed-size rows
      Path target = dir.resolve("order" + format.fileSuffix());
      BatchWrite batch = singleFileWrite(format, target, WriteMode.CREATE);
      DataWriterFactory factory = batch.createBatchWriterFactory(null);
      WriterCommitMessage partition0 = attempt(factory, 0, 1, 1, 2);
      WriterCommitMessage partition1 = attempt(factory, 1, 2);
      attempt(factory, 2, 3, 77, 77); // a failed attempt: its commit never reaches the driver
      WriterCommitMessage partition2 = attempt(factory, 2, 4, 3);
      WriterCommitMessage partition3 = attempt(factory, 3, 5, 4, 5, 6);
      attempt(factory, 3, 6, 99); // a speculative copy whose commit was denied
      for (WriterCommitMessage committed : List.of(partition3, partition0, partition2, partition1)) {
        batch.onDataWriterCommit(committed);
      }
      batch.commit(new WriterCommitMessage[] {partition0, partition1, partition2, partition3});
      if (format == ArrayFormat.NPY) {
        assertEquals(SparkValues.parseJson("[1, 2, 3, 4, 5, 6]"), NumpyChecks.singleFile(target).get("values"));
      } else {
        assertEquals(SparkValues.parseJson("[1, 2, 3, 4, 5, 6]"), NumpyChecks.run(
            "emit(np.fromfile(" + Python.literal(target) + ", dtype='<i8').tolist())"));
      }
      NumpyChecks.assertNoStaging(target);
    }
  }

  @Test
  void anAbortAfterPartsWereAssembledLeavesTheOldFileAndNoStaging() throws IOException, InterruptedException {
    SparkTestSession.get();
    Path target = dir.resolve("abort.npy");
    NumpyChecks.run("np.save(" + Python.literal(target) + ", np.array([42], dtype='<i8'))\nemit(True)");
    byte[] old = Files.readAllBytes(target);
    BatchWrite batch = singleFileWrite(ArrayFormat.NPY, target, WriteMode.OVERWRITE);
    DataWriterFactory factory = batch.createBatchWriterFactory(null);
    WriterCommitMessage partition0 = attempt(factory, 0, 1, 1, 2);
    WriterCommitMessage partition1 = attempt(factory, 1, 2, 3);
    batch.onDataWriterCommit(partition1);
    batch.onDataWriterCommit(partition0);
    Path staging;
    try (var siblings = Files.list(dir)) {
      staging = siblings.filter(p -> p.getFileName().toString().startsWith(".abort.npy.spark-memmap-"))
          .findFirst().orElseThrow();
    }
    Path attempts = staging.resolve(WriteJob.ATTEMPTS);
    // the parts are assembled on a thread of their own: wait until both are in, so the abort comes after them
    for (int waited = 0; !isEmptyDirectory(attempts) || !Files.exists(staging.resolve("assembled.npy")); waited++) {
      assertTrue(waited < 6000, "the committed parts were not assembled: " + staging);
      Thread.sleep(10);
    }
    batch.abort(new WriterCommitMessage[] {partition0, partition1});
    assertArrayEquals(old, Files.readAllBytes(target));
    NumpyChecks.assertNoStaging(target);
  }

  @Test
  void aCommitThatDisagreesWithTheAttemptsReportedPublishesNothing() throws IOException {
    SparkTestSession.get();
    Path target = dir.resolve("disagree.npy");
    BatchWrite batch = singleFileWrite(ArrayFormat.NPY, target, WriteMode.CREATE);
    DataWriterFactory factory = batch.createBatchWriterFactory(null);
    WriterCommitMessage reported = attempt(factory, 0, 1, 1, 2);
    WriterCommitMessage other = attempt(factory, 0, 2, 3, 4);
    batch.onDataWriterCommit(reported);
    Exception e = assertThrows(Exception.class, () -> batch.commit(new WriterCommitMessage[] {other}));
    assertTrue(NumpyChecks.messages(e).contains("partition 0 committed twice"), NumpyChecks.messages(e));
    NumpyChecks.assertNothingAt(target);
  }

  private static boolean isEmptyDirectory(Path directory) throws IOException {
    try (var entries = Files.list(directory)) {
      return entries.findAny().isEmpty();
    }
  }

  private BatchWrite singleFileWrite(ArrayFormat format, Path target, WriteMode mode) {
    StructType schema = new StructType().add("value", DataTypes.LongType);
    return new NpyWriteBuilder(format, target.toString(), Map.of("singleFile", "true"), info(schema, Map.of()), mode)
        .build().toBatch();
  }
}
