package io.sparkmemmap.write;

import java.io.IOException;
import java.io.Serializable;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.util.ArrayData;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.StringType;
import org.apache.spark.unsafe.types.UTF8String;

/**
 * What a Megatron write keeps of each record besides its elements and length: whether it starts a document and its
 * mode, two bytes per record in a third part of the task ({@link RecordDataWriter}), and, for the job, the document
 * keys of the task's first and last record (to join documents across tasks) and its largest element (for the
 * dtype warning of {@link MegatronPublisher}).
 *
 * @param documentOrdinal the column whose consecutive equal values make one document, or -1
 * @param modeOrdinal the column of modes, or -1
 * @param elementType the element type of the records' array column
 */
record SequenceMarks(int documentOrdinal, DataType documentType, int modeOrdinal, DataType modeType,
    DataType elementType) implements Serializable {

  /** Bytes per record in a marks part: a byte of flags, the int8 mode. */
  static final int ENTRY_BYTES = 2;
  /** Flag of a record that starts a document within its task. */
  static final byte STARTS_DOCUMENT = 1;

  boolean multimodal() {
    return modeOrdinal >= 0;
  }

  /**
   * What one task attempt staged of the marks.
   *
   * @param file URI of the marks part
   */
  record Staged(String file, Serializable firstDocument, Serializable lastDocument, double maxElement)
      implements Serializable {}

  /** The marks of one task attempt, written into its staging file as the records come. */
  static final class Task {
    private final SequenceMarks marks;
    private final StagingFile file;
    private Serializable firstDocument;
    private Serializable lastDocument;
    private double maxElement = Double.NEGATIVE_INFINITY;
    private long records;

    Task(SequenceMarks marks, StagingFile file) {
      this.marks = marks;
      this.file = file;
    }

    StagingFile file() {
      return file;
    }

    /** Marks the next record, whose elements are written already. */
    void add(InternalRow row, ArrayData elements) throws IOException {
      for (int i = 0; i < elements.numElements(); i++) {
        maxElement = Math.max(maxElement, ElementEncoder.value(elements, i, marks.elementType()));
      }
      boolean startsDocument = true;
      if (marks.documentOrdinal() >= 0) {
        Serializable key = documentKey(row);
        startsDocument = records == 0 || !key.equals(lastDocument);
        if (records == 0) {
          firstDocument = key;
        }
        lastDocument = key;
      }
      byte mode = marks.multimodal() ? mode(row) : 0;
      int pos = file.nextRow();
      file.buffer().put(pos, startsDocument ? STARTS_DOCUMENT : 0).put(pos + 1, mode);
      records++;
    }

    Staged staged(String uri) {
      return new Staged(uri, firstDocument, lastDocument, maxElement);
    }

    private Serializable documentKey(InternalRow row) {
      int ordinal = marks.documentOrdinal();
      if (row.isNullAt(ordinal)) {
        throw new NpyWriteException("column 'document' is null; every sequence needs the document it belongs to");
      }
      Object value = row.get(ordinal, marks.documentType());
      if (value instanceof UTF8String s) {
        return s.toString();
      }
      return marks.documentType() instanceof StringType ? value.toString() : ((Number) value).longValue();
    }

    private byte mode(InternalRow row) {
      int ordinal = marks.modeOrdinal();
      if (row.isNullAt(ordinal)) {
        throw new NpyWriteException("column 'mode' is null; a multimodal dataset needs the mode of every sequence");
      }
      long value = ((Number) row.get(ordinal, marks.modeType())).longValue();
      if (value < Byte.MIN_VALUE || value > Byte.MAX_VALUE) {
        throw new NpyWriteException("column 'mode' is " + value + ", outside the int8 range of Megatron's modes");
      }
      return (byte) value;
    }
  }
}
