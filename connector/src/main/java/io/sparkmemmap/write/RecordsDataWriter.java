package io.sparkmemmap.write;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.Serializable;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.StandardOpenOption;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.util.ArrayData;
import org.apache.spark.sql.connector.write.DataWriter;
import org.apache.spark.sql.connector.write.DataWriterFactory;
import org.apache.spark.sql.connector.write.WriterCommitMessage;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.StringType;
import org.apache.spark.unsafe.types.UTF8String;

/**
 * Writes one task's records: the elements of each row's array, encoded as the dtype, back to back into a data part,
 * and per record its length, whether it starts a document and its mode into a lengths part, both in the job's
 * staging directory. Nothing else of the rows is kept; the driver never sees an element.
 */
final class RecordsDataWriter implements DataWriter<InternalRow> {
  private static final int BUFFER_BYTES = 1 << 20;

  private final RecordsJob job;
  private final int partitionId;
  private final long taskId;
  private final ElementEncoder encoder;
  private final Path dataPath;
  private final Path lengthsPath;
  private OutputStream data;
  private OutputStream lengths;
  private ByteBuffer buffer = ByteBuffer.allocate(BUFFER_BYTES).order(ByteOrder.LITTLE_ENDIAN);
  private final ByteBuffer entry = ByteBuffer.allocate(RecordsJob.ENTRY_BYTES).order(ByteOrder.LITTLE_ENDIAN);
  private long records;
  private long dataBytes;
  private Serializable firstDocument;
  private Serializable lastDocument;
  private double maxElement = Double.NEGATIVE_INFINITY;

  RecordsDataWriter(RecordsJob job, int partitionId, long taskId) {
    this.job = job;
    this.partitionId = partitionId;
    this.taskId = taskId;
    this.encoder = new ElementEncoder(job.elementType(), job.dtype());
    Path attempts = new Path(new Path(java.net.URI.create(job.stagingDir())), WriteJob.ATTEMPTS);
    String name = String.format("part-%05d-%d", partitionId, taskId);
    this.dataPath = new Path(attempts, name + ".data");
    this.lengthsPath = new Path(attempts, name + ".lengths");
  }

  @Override
  public void write(InternalRow row) throws IOException {
    if (data == null) {
      data = create(dataPath);
      lengths = create(lengthsPath);
    }
    if (row.isNullAt(job.elementsOrdinal())) {
      throw refused("column '" + job.elementsName() + "' is null", null);
    }
    ArrayData elements = row.getArray(job.elementsOrdinal());
    int bytes = elements.numElements() * job.dtype().itemSize();
    if (buffer.capacity() < bytes) {
      buffer = ByteBuffer.allocate(bytes).order(ByteOrder.LITTLE_ENDIAN);
    }
    buffer.clear();
    try {
      maxElement = Math.max(maxElement, encoder.encode(elements, buffer));
    } catch (NpyWriteException e) {
      throw refused("column '" + job.elementsName() + "': " + e.getMessage(), e);
    }
    data.write(buffer.array(), 0, bytes);
    boolean startsDocument = true;
    if (job.documentOrdinal() >= 0) {
      Serializable key = documentKey(row);
      startsDocument = records == 0 || !key.equals(lastDocument);
      if (records == 0) {
        firstDocument = key;
      }
      lastDocument = key;
    }
    entry.clear();
    entry.putInt(elements.numElements());
    entry.put(startsDocument ? RecordsJob.STARTS_DOCUMENT : 0);
    entry.put(job.multimodal() ? mode(row) : 0);
    lengths.write(entry.array(), 0, RecordsJob.ENTRY_BYTES);
    records++;
    dataBytes += bytes;
  }

  private Serializable documentKey(InternalRow row) {
    int ordinal = job.documentOrdinal();
    if (row.isNullAt(ordinal)) {
      throw refused("column 'document' is null; every sequence needs the document it belongs to", null);
    }
    Object value = row.get(ordinal, job.documentType());
    if (value instanceof UTF8String s) {
      return s.toString();
    }
    return job.documentType() instanceof StringType ? value.toString() : ((Number) value).longValue();
  }

  private byte mode(InternalRow row) {
    int ordinal = job.modeOrdinal();
    if (row.isNullAt(ordinal)) {
      throw refused("column 'mode' is null; a multimodal dataset needs the mode of every sequence", null);
    }
    long value = ((Number) row.get(ordinal, job.modeType())).longValue();
    if (value < Byte.MIN_VALUE || value > Byte.MAX_VALUE) {
      throw refused("column 'mode' is " + value + ", outside the int8 range of Megatron's modes", null);
    }
    return (byte) value;
  }

  private NpyWriteException refused(String problem, Throwable cause) {
    return new NpyWriteException(job.path() + ": " + problem + " (sequence " + records + " of partition "
        + partitionId + ")", cause);
  }

  private OutputStream create(Path path) throws IOException {
    if ("file".equals(path.toUri().getScheme())) {
      return new BufferedOutputStream(Files.newOutputStream(java.nio.file.Paths.get(path.toUri()),
          StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE), BUFFER_BYTES);
    }
    return path.getFileSystem(job.hadoopConf().get()).create(path, false);
  }

  @Override
  public WriterCommitMessage commit() throws IOException {
    if (data == null) {
      return StagedRecords.empty(partitionId, taskId);
    }
    closeStreams();
    return new StagedRecords(partitionId, taskId, dataPath.toUri().toString(), lengthsPath.toUri().toString(),
        records, dataBytes, firstDocument, lastDocument, maxElement);
  }

  @Override
  public void abort() throws IOException {
    closeStreams();
    for (Path path : new Path[] {dataPath, lengthsPath}) {
      path.getFileSystem(job.hadoopConf().get()).delete(path, false);
    }
  }

  private void closeStreams() throws IOException {
    try {
      if (data != null) {
        data.close();
      }
    } finally {
      if (lengths != null) {
        lengths.close();
      }
    }
  }

  @Override
  public void close() throws IOException {
    closeStreams();
  }

  /** Sent to executors: makes the writer of each task attempt. */
  static final class Factory implements DataWriterFactory {
    private static final long serialVersionUID = 1L;
    private final RecordsJob job;

    Factory(RecordsJob job) {
      this.job = job;
    }

    @Override
    public DataWriter<InternalRow> createWriter(int partitionId, long taskId) {
      return new RecordsDataWriter(job, partitionId, taskId);
    }
  }
}
