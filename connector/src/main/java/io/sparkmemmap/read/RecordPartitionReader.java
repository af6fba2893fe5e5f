package io.sparkmemmap.read;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.connector.metric.CustomTaskMetric;
import org.apache.spark.sql.connector.read.PartitionReader;
import org.apache.spark.sql.execution.vectorized.ConstantColumnVector;
import org.apache.spark.sql.execution.vectorized.OffHeapColumnVector;
import org.apache.spark.sql.execution.vectorized.OnHeapColumnVector;
import org.apache.spark.sql.execution.vectorized.WritableColumnVector;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.sql.vectorized.ColumnVector;
import org.apache.spark.sql.vectorized.ColumnarBatch;
import org.apache.spark.unsafe.types.UTF8String;

/**
 * Reads a partition's record ranges into columnar batches: for each range, slices of the index of at most
 * {@link RecordSlice#MAX_RECORDS} records ({@link RecordIndex#slice}), and, only when the elements are selected,
 * exactly the elements those records span, through the bytes-in layer of arrays: the data file read as a 1-D array
 * of elements ({@link RowSource}: kept mappings or positioned reads of 1 MiB windows), a run of records that follow
 * each other in the file at a time, decoded by the element type's {@link ValueReader} into the array column's child
 * vector.
 *
 * <p>A batch holds up to {@code batchSize} records and {@value #MAX_BATCH_ELEMENTS} elements (but at least one
 * record), all of one input, so that {@code _file} is a constant per batch.
 */
final class RecordPartitionReader implements PartitionReader<ColumnarBatch> {
  static final int MAX_BATCH_ELEMENTS = 8 << 20;

  private final List<FileRange> ranges;
  private final Map<String, RecordIndex> indexes;
  private final List<RecordOutput> outputs;
  private final ValueReader elementReader;
  private final int itemSize;
  private final int batchSize;
  private final Configuration conf;
  private final ColumnVector[] vectors;
  private final ColumnarBatch batch;
  private final int[] indexColumns;
  private final boolean readElements;
  private final ValueReader.Scratch scratch = new ValueReader.Scratch();

  private int rangeIndex = -1;
  private FileRange range;
  private RecordIndex index;
  private long nextRecord;
  private RecordSlice slice;
  private int sliceRecord;
  /** For each record of the slice, the end of the run of records after it that follow each other in the file. */
  private long[] runEnds;
  private RowSource elements;
  private long bytesMapped;
  private long bytesRead;
  private long recordsRead;
  private boolean closed;

  RecordPartitionReader(List<FileRange> ranges, Map<String, RecordIndex> indexes, List<RecordOutput> outputs,
      StructType schema, ValueReader elementReader, int itemSize, int batchSize, boolean offHeap,
      Configuration conf) {
    this.ranges = ranges;
    this.indexes = indexes;
    this.outputs = outputs;
    this.elementReader = elementReader;
    this.itemSize = itemSize;
    this.batchSize = batchSize;
    this.conf = conf;
    this.vectors = new ColumnVector[outputs.size()];
    int rows = outputs.isEmpty() ? Math.max(batchSize, RecordSlice.MAX_RECORDS) : batchSize;
    boolean elementsSelected = false;
    int indexColumnCount = 0;
    for (int i = 0; i < vectors.length; i++) {
      DataType type = schema.fields()[i].dataType();
      RecordOutput output = outputs.get(i);
      if (output.kind() == RecordOutput.Kind.FILE) {
        vectors[i] = new ConstantColumnVector(rows, DataTypes.StringType);
      } else {
        vectors[i] = offHeap ? new OffHeapColumnVector(rows, type) : new OnHeapColumnVector(rows, type);
      }
      elementsSelected |= output.kind() == RecordOutput.Kind.ELEMENTS;
      if (output.kind() == RecordOutput.Kind.INDEX) {
        indexColumnCount++;
      }
    }
    this.readElements = elementsSelected;
    this.indexColumns = new int[indexColumnCount];
    int n = 0;
    for (RecordOutput output : outputs) {
      if (output.kind() == RecordOutput.Kind.INDEX) {
        indexColumns[n++] = output.indexColumn();
      }
    }
    this.batch = new ColumnarBatch(vectors);
  }

  @Override
  public boolean next() throws IOException {
    if (closed) {
      throw new IllegalStateException("the reader of " + ranges + " is closed");
    }
    if (!nextSlice()) {
      return false;
    }
    int maxRows = outputs.isEmpty() ? Integer.MAX_VALUE : batchSize;
    for (ColumnVector vector : vectors) {
      if (vector instanceof WritableColumnVector writable) {
        writable.reset();
      }
    }
    int rows = 0;
    long elementCount = 0;
    while (rows < maxRows && (rows == 0 || nextSliceOfSameInput())) {
      int length = slice.length(sliceRecord);
      if (rows > 0 && readElements && elementCount + length > MAX_BATCH_ELEMENTS) {
        break;
      }
      fill(rows, elementCount);
      elementCount += length;
      rows++;
      sliceRecord++;
    }
    recordsRead += rows;
    batch.setNumRows(rows);
    return true;
  }

  /** Whether a record is left in the current slice, or in the next slice of the same range. */
  private boolean nextSliceOfSameInput() throws IOException {
    if (slice != null && sliceRecord < slice.count()) {
      return true;
    }
    if (nextRecord < range.toRow()) {
      return nextSlice();
    }
    return false;
  }

  /** Makes {@link #slice} hold a record, going to the next slice or range; false at the end of the partition. */
  private boolean nextSlice() throws IOException {
    while (slice == null || sliceRecord >= slice.count()) {
      if (range == null || nextRecord >= range.toRow()) {
        if (++rangeIndex >= ranges.size()) {
          closeElements();
          return false;
        }
        startRange(ranges.get(rangeIndex));
      }
      long to = Math.min(range.toRow(), nextRecord + RecordSlice.MAX_RECORDS);
      slice = index.slice(nextRecord, to, indexColumns, conf);
      sliceRecord = 0;
      nextRecord = to;
      if (readElements) {
        openElements();
      }
    }
    return true;
  }

  private void startRange(FileRange next) {
    boolean newInput = range == null || !range.file().path().equals(next.file().path());
    range = next;
    index = indexes.get(next.file().path());
    nextRecord = next.fromRow();
    if (newInput) {
      for (int i = 0; i < vectors.length; i++) {
        if (outputs.get(i).kind() == RecordOutput.Kind.FILE) {
          ((ConstantColumnVector) vectors[i]).setUtf8String(UTF8String.fromString(index.dataUri()));
        }
      }
    }
  }

  /**
   * Opens the elements the slice's records span as a 1-D array of the data file, and finds the runs of records
   * that follow each other, which are read window by window without a gap.
   */
  private void openElements() throws IOException {
    closeElements();
    int count = slice.count();
    runEnds = new long[count];
    long from = Long.MAX_VALUE;
    long to = Long.MIN_VALUE;
    for (int k = count - 1; k >= 0; k--) {
      long start = slice.start(k);
      long end = start + slice.length(k);
      runEnds[k] = k + 1 < count && slice.start(k + 1) == end ? runEnds[k + 1] : end;
      if (slice.length(k) > 0) {
        from = Math.min(from, start);
        to = Math.max(to, end);
      }
    }
    if (from >= to) {
      return; // only empty records
    }
    long dataElements = (index.dataFileLength() - index.dataOffset()) / itemSize;
    ArrayFile data = new ArrayFile(index.dataPath(), index.dataUri(), null, index.dataFileLength(),
        index.dataOffset(), dataElements * itemSize, false, dataElements, dataElements + " elements", null,
        index.dataStatus());
    elements = RowSource.open(data, new RowLayout(false, itemSize, new int[0]), new int[] {0}, from, to, true,
        conf);
  }

  private void fill(int row, long elementOffset) throws IOException {
    int record = sliceRecord;
    for (int i = 0; i < vectors.length; i++) {
      RecordOutput output = outputs.get(i);
      switch (output.kind()) {
        case ELEMENTS:
          fillElements((WritableColumnVector) vectors[i], row, (int) elementOffset, record);
          break;
        case INDEX:
          putIntegral((WritableColumnVector) vectors[i], row, slice.column(indexPosition(output), record));
          break;
        case LENGTH:
          ((WritableColumnVector) vectors[i]).putInt(row, slice.length(record));
          break;
        case ROW_INDEX:
          ((WritableColumnVector) vectors[i]).putLong(row, slice.from() + record);
          break;
        default:
          break; // the file column is a constant, set per input
      }
    }
  }

  private int indexPosition(RecordOutput output) {
    for (int c = 0; c < indexColumns.length; c++) {
      if (indexColumns[c] == output.indexColumn()) {
        return c;
      }
    }
    throw new IllegalStateException("index column " + output.indexColumn() + " not read");
  }

  private static void putIntegral(WritableColumnVector vector, int row, long value) {
    DataType type = vector.dataType();
    if (type == DataTypes.ByteType) {
      vector.putByte(row, (byte) value);
    } else if (type == DataTypes.ShortType) {
      vector.putShort(row, (short) value);
    } else if (type == DataTypes.IntegerType) {
      vector.putInt(row, (int) value);
    } else {
      vector.putLong(row, value);
    }
  }

  private void fillElements(WritableColumnVector vector, int row, int childOffset, int record) throws IOException {
    int length = slice.length(record);
    vector.putArray(row, childOffset, length);
    WritableColumnVector child = vector.arrayData();
    long start = slice.start(record);
    long end = start + length;
    int at = childOffset;
    try {
      for (long element = start; element < end; ) {
        int n = elements.prepare(element, runEnds[record], (int) Math.min(Integer.MAX_VALUE, end - element));
        n = (int) Math.min(n, end - element);
        elementReader.read(elements.buffers()[0], elements.positions()[0], itemSize, child, at, 1, n, scratch);
        element += n;
        at += n;
      }
      elements.checkIntact();
    } catch (InternalError | RuntimeException e) {
      throw new IOException(index.describe() + ": record " + (slice.from() + record) + " (elements [" + start + ", "
          + end + ") of " + index.dataPath() + "): " + e.getMessage(), e);
    }
    bytesRead += (long) length * itemSize;
  }

  private void closeElements() throws IOException {
    if (elements != null) {
      RowSource closing = elements;
      elements = null;
      bytesMapped += closing.bytesMapped();
      closing.close();
    }
  }

  @Override
  public ColumnarBatch get() {
    return batch;
  }

  @Override
  public CustomTaskMetric[] currentMetricsValues() {
    return new CustomTaskMetric[] {
        new TaskMetric(BytesMappedMetric.NAME, bytesMapped + (elements == null ? 0 : elements.bytesMapped())),
        new TaskMetric(BytesReadMetric.NAME, bytesRead),
        new TaskMetric(RowsReadMetric.NAME, recordsRead)};
  }

  @Override
  public void close() throws IOException {
    if (closed) {
      return;
    }
    closed = true;
    try {
      closeElements();
    } finally {
      batch.close();
    }
  }
}
