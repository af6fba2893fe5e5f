package io.sparkmemmap.read;

import java.io.IOException;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.execution.vectorized.ConstantColumnVector;
import org.apache.spark.sql.execution.vectorized.OffHeapColumnVector;
import org.apache.spark.sql.execution.vectorized.OnHeapColumnVector;
import org.apache.spark.sql.execution.vectorized.WritableColumnVector;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.sql.vectorized.ColumnVector;
import org.apache.spark.unsafe.types.UTF8String;

/**
 * Reads a partition's row ranges into columnar batches of up to {@code batchSize} rows, copying values out of the
 * mapped (or read) bytes into Spark's column vectors, which are reused from batch to batch. Only the bytes of the
 * partition's own rows are mapped ({@link PartitionRows}), and each file is released as soon as its rows are read.
 *
 * <p>Every failure is an {@link IOException} naming the file and the byte range; a fault on a mapped page (the
 * file was truncated or rewritten under the task), which the JVM raises as an {@link InternalError}, is one too.
 *
 * <p>Scalar columns stored as Spark holds them are not copied when they are most of the rows: Spark reads them where
 * they lie in the read window ({@link WindowColumnVector}), and such a reader never maps. Values out of a mapping
 * are always copied: a fault on a mapped page would otherwise surface in Spark's generated code, where an
 * {@code InternalError} (a {@code VirtualMachineError}) kills the executor, and a vector used after its mapping is
 * released would crash the JVM.
 */
final class NpyPartitionReader extends PartitionBatchReader {
  /** Batches hold at most this many bytes of array data (but at least one row), whatever {@code batchSize} says. */
  static final long MAX_BATCH_BYTES = 64L << 20;
  /**
   * Scalar columns are filled this many bytes of rows at a time, every column in turn, so that the rows stay in
   * the CPU's caches while their columns are gathered. A column at a time over a whole batch of wide rows reads the
   * batch from memory once a column: a full scan of a (131072, 768) float32 array as 768 columns took 667 ms that
   * way and 424 ms in blocks of 256 KiB (485 ms in blocks of 1 MiB, 524 ms in blocks of 64 KiB); on a busier host,
   * 940-1053 ms against 762-887 ms.
   */
  static final long BLOCK_BYTES = 256L << 10;
  /** Rows up to this many bytes are read whole whatever a query wants of them: a cache line or two. */
  static final long IN_PLACE_ROW_BYTES = 128;
  /** Wider rows are read whole for columns read in place when those are at least 1/this of their bytes. */
  static final long IN_PLACE_SHARE = 4;

  private final RowLayout layout;
  private final List<OutputColumn> outputs;
  private final int rowsPerBatch;
  private final int rowsPerBlock;
  private final ColumnVector[] vectors;
  private final ValueReader.Scratch scratch = new ValueReader.Scratch();
  private int fileGroup = -1;

  static NpyPartitionReader open(NpyInputPartition partition, RowLayout layout, List<OutputColumn> outputs,
      StructType schema, int[] segments, int batchSize, boolean offHeap, Configuration conf) {
    long rowBytes = (long) layout.stride() * segments.length;
    int rowsPerBatch = rowsPerBatch(rowBytes, outputs, batchSize);
    boolean direct = partition.ranges().stream().allMatch(range -> RowSource.readsIntoDirectBuffers(range.file()));
    WindowColumnVector.Kind[] inPlace = direct ? inPlaceKinds(outputs, rowBytes)
        : new WindowColumnVector.Kind[outputs.size()];
    ColumnVector[] vectors = vectors(outputs, schema, inPlace, rowsPerBatch, offHeap);
    int rowsPerBlock = (int) Math.max(1, Math.min(rowsPerBatch, BLOCK_BYTES / Math.max(1, rowBytes)));
    boolean mayMap = java.util.Arrays.stream(inPlace).allMatch(java.util.Objects::isNull);
    return new NpyPartitionReader(new PartitionRows(partition.ranges(), layout, segments, mayMap, conf), layout,
        outputs, rowsPerBatch, rowsPerBlock, vectors);
  }

  private NpyPartitionReader(PartitionRows rows, RowLayout layout, List<OutputColumn> outputs, int rowsPerBatch,
      int rowsPerBlock, ColumnVector[] vectors) {
    super(rows, vectors);
    this.layout = layout;
    this.outputs = outputs;
    this.rowsPerBatch = rowsPerBatch;
    this.rowsPerBlock = rowsPerBlock;
    this.vectors = vectors;
  }

  /**
   * Which columns Spark reads where they lie in the read windows ({@link WindowColumnVector}), null for the others:
   * every scalar column whose values need no conversion, when those columns are most of what the rows hold. Such a
   * reader never maps: it reads every row whole, a copy from the page cache that costs less than gathering the
   * columns out of a kept mapping (a noop-write scan of a (2^24, 16) float32 array, 2 cores: 350-450 ms against
   * 480-570 ms, the executors' CPU time 660-770 ms against 880-970 ms), but more than a mapping where the query
   * wants a few values of wide rows, which then keep being gathered out of a mapping. Only where the windows are
   * direct buffers ({@link RowSource#readsIntoDirectBuffers}), the only ones such a column reads: elsewhere the
   * reads or the inflating cost more than the copy anyway.
   */
  private static WindowColumnVector.Kind[] inPlaceKinds(List<OutputColumn> outputs, long rowBytes) {
    WindowColumnVector.Kind[] kinds = new WindowColumnVector.Kind[outputs.size()];
    long bytes = 0;
    for (int i = 0; i < kinds.length; i++) {
      OutputColumn output = outputs.get(i);
      if (output.kind() == OutputColumn.Kind.DATA && output.plan().scalar()) {
        kinds[i] = output.plan().reader().inPlaceKind();
        bytes += kinds[i] == null ? 0 : kinds[i].itemSize;
      }
    }
    boolean mostOfTheRows = rowBytes <= IN_PLACE_ROW_BYTES || IN_PLACE_SHARE * bytes >= rowBytes;
    return mostOfTheRows ? kinds : new WindowColumnVector.Kind[kinds.length];
  }

  private static int rowsPerBatch(long rowBytes, List<OutputColumn> outputs, int batchSize) {
    if (outputs.isEmpty()) {
      return Integer.MAX_VALUE; // counting rows: batches without columns cost nothing
    }
    if (rowBytes == 0) {
      return batchSize;
    }
    return (int) Math.max(1, Math.min(batchSize, MAX_BATCH_BYTES / rowBytes));
  }

  private static ColumnVector[] vectors(List<OutputColumn> outputs, StructType schema,
      WindowColumnVector.Kind[] inPlace, int rowsPerBatch, boolean offHeap) {
    ColumnVector[] vectors = new ColumnVector[outputs.size()];
    for (int i = 0; i < vectors.length; i++) {
      DataType type = schema.fields()[i].dataType();
      if (inPlace[i] != null) {
        vectors[i] = new WindowColumnVector(type, inPlace[i]);
        continue;
      }
      switch (outputs.get(i).kind()) {
        case FILE:
          vectors[i] = new ConstantColumnVector(rowsPerBatch, DataTypes.StringType);
          break;
        case ROW_INDEX:
          vectors[i] = new OnHeapColumnVector(rowsPerBatch, DataTypes.LongType);
          break;
        default:
          vectors[i] = offHeap ? new OffHeapColumnVector(rowsPerBatch, type)
              : new OnHeapColumnVector(rowsPerBatch, type);
      }
    }
    return vectors;
  }

  @Override
  public boolean next() throws IOException {
    checkOpen();
    if (!rows.next(rowsPerBatch)) {
      return false;
    }
    if (rows.groupIndex() != fileGroup) {
      fileGroup = rows.groupIndex();
      for (int i = 0; i < vectors.length; i++) {
        if (outputs.get(i).kind() == OutputColumn.Kind.FILE) {
          ((ConstantColumnVector) vectors[i]).setUtf8String(UTF8String.fromString(rows.file().uri()));
        }
      }
    }
    int count = rows.rows();
    try {
      fill(count);
      rows.checkIntact();
    } catch (InternalError | RuntimeException e) {
      throw rows.failure(e);
    }
    batch.setNumRows(count);
    return true;
  }

  private void fill(int count) {
    for (int i = 0; i < vectors.length; i++) {
      OutputColumn output = outputs.get(i);
      switch (output.kind()) {
        case DATA: {
          if (vectors[i] instanceof WindowColumnVector window) {
            ColumnPlan plan = output.plan();
            int segment = plan.segment(layout);
            window.show(rows.buffers()[segment], rows.positions()[segment] + plan.offsetInRow(layout),
                layout.stride(), count);
            break;
          }
          WritableColumnVector vector = (WritableColumnVector) vectors[i];
          vector.reset();
          if (!output.plan().scalar()) {
            output.plan().fillArrays(layout, rows.buffers(), rows.positions(), vector, count, scratch);
          } // else filled below, a block of rows at a time
          break;
        }
        case ROW_INDEX: {
          WritableColumnVector vector = (WritableColumnVector) vectors[i];
          vector.reset();
          long first = rows.firstRow();
          for (int k = 0; k < count; k++) {
            vector.putLong(k, first + k);
          }
          break;
        }
        default:
          break; // the file column is a constant, set per file
      }
    }
    for (int from = 0; from < count; from += rowsPerBlock) {
      int n = Math.min(rowsPerBlock, count - from);
      for (int i = 0; i < vectors.length; i++) {
        OutputColumn output = outputs.get(i);
        if (output.kind() == OutputColumn.Kind.DATA && output.plan().scalar()
            && !(vectors[i] instanceof WindowColumnVector)) {
          output.plan().fillScalar(layout, rows.buffers(), rows.positions(), (WritableColumnVector) vectors[i],
              from, n, scratch);
        }
      }
    }
  }
}
