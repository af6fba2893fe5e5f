package io.sparkmemmap.read;

import io.sparkmemmap.format.ScalarDType;
import java.io.IOException;
import java.io.Serializable;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.spark.sql.types.StructField;

/**
 * The index of one file of variable-length records (a Megatron {@code .idx} with its {@code .bin}, a ragged
 * {@code index.npy} with its {@code data.npy}): what the records layer needs to plan, read and count them, whatever
 * the layout on disk. Made on the driver from the index's header alone, and sent to executors inside the reader
 * factory, so it holds facts, not handles; each task reads its own slice of the index ({@link #slice}).
 *
 * <p>A format plugs in with an implementation of this and a {@link RecordFormat} that lists and opens them.
 */
interface RecordIndex extends Serializable {
  /** The index file, as errors name it. */
  String describe();

  /** The number of records. */
  long recordCount();

  /** The type of the elements in the data file, little- or big-endian as stored. */
  ScalarDType elementType();

  /** The data file's qualified Hadoop path, which tasks open. */
  String dataPath();

  /** The data file's URI, as the {@code _file} column gives it. */
  String dataUri();

  /** The data file's length in bytes, as listed. */
  long dataFileLength();

  /**
   * The data file's status as listed on the driver, which tasks open it by: on an object store, opened by path and
   * length alone, it would cost a HEAD request per task ({@link FileHandle#open(FileStatus, Configuration)}).
   */
  FileStatus dataStatus();

  /** Where element 0 lies in the data file (a {@code .npy} header's length; 0 for a headerless file). */
  long dataOffset();

  /** The bytes of elements all records together span, for planning and statistics. */
  long dataBytes();

  /**
   * Columns the index alone gives for each record besides the elements (Megatron's {@code document} and
   * {@code mode}); each is {@code long} or a narrower integral type, and never null.
   */
  List<StructField> indexColumns();

  /**
   * Reads records {@code [from, to)} of the index, {@code to - from} at most {@link RecordSlice#MAX_RECORDS}: their
   * element offsets and lengths, and the values of the requested index columns.
   *
   * @param indexColumns which of {@link #indexColumns()} to read, by position there
   * @throws IOException when the index cannot be read or the slice contradicts it (naming the file)
   */
  RecordSlice slice(long from, long to, int[] indexColumns, Configuration conf) throws IOException;
}
