package io.sparkmemmap.read;

import io.sparkmemmap.format.NumpyDescr;
import io.sparkmemmap.format.ScalarDType;
import io.sparkmemmap.format.ragged.RaggedData;
import io.sparkmemmap.format.ragged.RaggedFormatException;
import io.sparkmemmap.format.ragged.RaggedIndex;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.unsafe.array.ByteArrayMethods;

/**
 * One ragged array as records: the headers of its data and index read on the driver ({@link RaggedData},
 * {@link RaggedIndex}), the index's slices read by the tasks. The index gives no column but the lengths.
 *
 * <p>What is checked where: the driver checks the headers (a 1-D data array of a scalar dtype, an int64 index of
 * shape {@code (N, 2)} or {@code (N + 1,)}, files as long as their headers say); each task checks the entries of its
 * own slice against the data ({@link RaggedIndex#check}: starts and lengths not negative, rows within the data,
 * offsets not decreasing), so that no one reads a whole index of billions of rows to answer a query about some.
 */
final class RaggedRecordIndex implements RecordIndex {
  private static final long serialVersionUID = 1L;
  private static final byte[] NPY_MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};

  private final String indexPath;
  /** The index file's status as listed: tasks open it by that, without a request for it ({@link FileHandle}). */
  private final FileStatus indexStatus;
  private final RaggedIndex index;
  private final String dataPath;
  private final String dataUri;
  private final FileStatus dataStatus;
  private final RaggedData data;

  private RaggedRecordIndex(String indexPath, FileStatus indexStatus, RaggedIndex index, String dataPath,
      String dataUri, FileStatus dataStatus, RaggedData data) {
    this.indexPath = indexPath;
    this.indexStatus = indexStatus;
    this.index = index;
    this.dataPath = dataPath;
    this.dataUri = dataUri;
    this.dataStatus = dataStatus;
    this.data = data;
  }

  /** Reads and checks the headers of the data file and its index. */
  static RaggedRecordIndex open(Path dataFile, Path indexFile, ReadOptions options, Configuration conf)
      throws IOException {
    FileSystem fs = dataFile.getFileSystem(conf);
    Path data = fs.makeQualified(dataFile);
    Path idx = indexFile.getFileSystem(conf).makeQualified(indexFile);
    FileStatus dataStatus = status(fs, data);
    FileStatus indexStatus = status(idx.getFileSystem(conf), idx);
    for (FileStatus status : new FileStatus[] {dataStatus, indexStatus}) {
      if (status != null && status.isDirectory()) {
        throw new RaggedFormatException(status.getPath().toString(), "is a directory, but with option '"
            + ReadOptions.INDEX + "' the path is the data file and the option its index; a directory holding "
            + RaggedData.FILE_NAME + " and " + RaggedIndex.FILE_NAME + " is read without the option");
      }
    }
    if (dataStatus == null || indexStatus == null) {
      Path missing = dataStatus == null ? data : idx;
      boolean inDirectory = options.index() == null;
      throw new FileNotFoundException(new RaggedFormatException(missing.toString(), "does not exist"
          + (inDirectory ? ": a ragged array is a directory holding " + RaggedData.FILE_NAME + " and "
              + RaggedIndex.FILE_NAME + ", and " + missing.getParent() + " has no " + missing.getName()
              : "")).getMessage());
    }
    RaggedData described = describeData(data, dataStatus, options, conf);
    if (!(described.dtype() instanceof ScalarDType)) {
      throw new RaggedFormatException(data.toString(), "holds elements of the structured dtype "
          + NumpyDescr.toDescr(described.dtype()) + "; a ragged read gives arrays of scalars, so save one array "
          + "per field");
    }
    try (FileHandle handle = FileHandle.open(indexStatus, conf)) {
      RaggedIndex header = RaggedIndex.read(handle.reader(), idx.toString());
      return new RaggedRecordIndex(idx.toString(), indexStatus, header, data.toString(), data.toUri().toString(),
          dataStatus, described);
    }
  }

  private static FileStatus status(FileSystem fs, Path path) throws IOException {
    try {
      return fs.getFileStatus(path);
    } catch (FileNotFoundException e) {
      return null;
    }
  }

  /** A {@code .npy} by its header, or a raw file by options {@code dtype} and {@code offset}. */
  private static RaggedData describeData(Path data, FileStatus status, ReadOptions options, Configuration conf)
      throws IOException {
    if (options.memmapDType() != null) {
      return RaggedData.raw(data.toString(), status.getLen(), options.memmapDType(), options.memmapOffset());
    }
    try (FileHandle handle = FileHandle.open(status, conf)) {
      byte[] magic = new byte[NPY_MAGIC.length];
      if (handle.size() >= magic.length) {
        handle.readFully(0, magic, 0, magic.length);
      }
      if (!Arrays.equals(magic, NPY_MAGIC)) {
        throw new RaggedFormatException(data.toString(), "is not a .npy file (it does not start with \\x93NUMPY); "
            + "to read a raw data file, give option 'dtype' (and 'offset'), as np.memmap takes them");
      }
      return RaggedData.readNpy(handle.reader(), data.toString());
    }
  }

  @Override
  public String describe() {
    return indexPath;
  }

  @Override
  public long recordCount() {
    return index.rows();
  }

  @Override
  public ScalarDType elementType() {
    return (ScalarDType) data.dtype();
  }

  @Override
  public String dataPath() {
    return dataPath;
  }

  @Override
  public String dataUri() {
    return dataUri;
  }

  @Override
  public long dataFileLength() {
    return dataStatus.getLen();
  }

  @Override
  public FileStatus dataStatus() {
    return dataStatus;
  }

  @Override
  public long dataOffset() {
    return data.dataOffset();
  }

  @Override
  public long dataBytes() {
    return data.elements() * data.itemSize();
  }

  @Override
  public List<StructField> indexColumns() {
    return List.of();
  }

  @Override
  public RecordSlice slice(long from, long to, int[] indexColumns, Configuration conf) throws IOException {
    try (FileHandle handle = FileHandle.open(indexStatus, conf)) {
      RaggedIndex.Slice slice = index.slice(handle.reader(), from, to);
      index.check(slice, data);
      int[] lengths = new int[slice.rows()];
      for (int k = 0; k < lengths.length; k++) {
        long length = slice.lengths()[k];
        if (length > ByteArrayMethods.MAX_ROUNDED_ARRAY_LENGTH) {
          throw new RaggedFormatException(indexPath, "row " + (from + k) + " has " + length + " elements, more than "
              + "one Spark array holds (" + ByteArrayMethods.MAX_ROUNDED_ARRAY_LENGTH + ")");
        }
        lengths[k] = (int) length;
      }
      return new RecordSlice(from, slice.starts(), lengths, new long[0][]);
    }
  }
}
