package io.sparkmemmap.write;

import io.sparkmemmap.format.megatron.MegatronDType;
import java.io.Serializable;
import org.apache.spark.sql.types.DataType;

/**
 * What every task of a write of variable-length records needs: which columns hold the elements, the document key
 * and the mode, how elements are encoded, and where to stage. A task writes its records' elements back to back into
 * a data part and one entry per record into a lengths part ({@link RecordsDataWriter}); the job's commit turns the
 * parts into the format's files ({@link MegatronPublisher} for Megatron; a ragged publisher would write
 * {@code data.npy} from the same data parts and {@code index.npy} from the same lengths).
 *
 * @param path the target as the user gave it, which the errors of tasks name
 * @param stagingDir URI of the job's staging directory; tasks write into its {@code attempts} subdirectory
 * @param elementsOrdinal the array column of elements; {@code elementType} is its element type
 * @param documentOrdinal the column whose consecutive equal values make one document, or -1
 * @param modeOrdinal the column of modes, or -1
 */
record RecordsJob(String path, String stagingDir, int elementsOrdinal, String elementsName, DataType elementType,
    MegatronDType dtype, int documentOrdinal, DataType documentType, int modeOrdinal, DataType modeType,
    HadoopConf hadoopConf) implements Serializable {

  /** Bytes per record in a lengths part: int32 length, a byte of flags, the int8 mode. */
  static final int ENTRY_BYTES = 6;
  /** Flag of a record that starts a document within its task. */
  static final byte STARTS_DOCUMENT = 1;

  boolean multimodal() {
    return modeOrdinal >= 0;
  }
}
