package io.sparkmemmap.write;

import io.sparkmemmap.format.NpyHeader;
import io.sparkmemmap.format.NumpyDescr;
import io.sparkmemmap.format.ScalarDType;
import io.sparkmemmap.format.Shape;
import io.sparkmemmap.format.ragged.RaggedData;
import io.sparkmemmap.format.ragged.RaggedIndex;
import io.sparkmemmap.read.PathOptions;
import io.sparkmemmap.write.OutputFiles.PathState;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.connector.write.LogicalWriteInfo;
import org.apache.spark.sql.connector.write.WriterCommitMessage;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.sql.util.CaseInsensitiveStringMap;

/**
 * Plans a write of a ragged array: one array column (the only one, or the one option {@code column} names)
 * becomes {@code data.npy}, every row's elements back to back, and {@code index.npy}, an {@code (N, 2)} int64
 * {@code [start, length]} per row, in a directory at the path. The elements' dtype comes from the {@code dtype}
 * option, the column's {@code numpy.dtype} metadata or the SPEC's default for the element type, as a one-column
 * {@code npy} write picks it ({@link OutputPlanner}); an append keeps the dtype of the data it adds to. Every
 * problem is raised here, on the driver, before any task runs or any file is made.
 */
public final class RaggedWriteBuilder extends PathWriteBuilder {
  static final String COLUMN = "column";


  public RaggedWriteBuilder(String path, Map<String, String> tableOptions, LogicalWriteInfo info, WriteMode mode) {
    super(path, tableOptions, info, mode);
  }

  /** Publishes an empty ragged array of the schema's array column, as CREATE TABLE without data does. */
  public static void createEmpty(String path, StructType schema, Map<String, String> options) {
    RaggedWrite write = new RaggedWriteBuilder(path, options, null, WriteMode.CREATE)
        .plan(schema, Map.of(), UUID.randomUUID().toString());
    write.createBatchWriterFactory(null);
    write.commit(new WriterCommitMessage[0]);
  }

  @Override
  RaggedWrite plan(StructType schema, Map<String, String> callOptions, String queryId) {
    Map<String, String> options = new HashMap<>(tableOptions);
    options.putAll(callOptions);
    PathOptions given = new PathOptions(path, new CaseInsensitiveStringMap(options));
    WriteOptions writeOptions = WriteOptions.parse(path, options);
    if (writeOptions.singleFile()) {
      throw given.refused(WriteOptions.SINGLE_FILE, "does not apply to format ragged, which always writes one "
          + "pair of files, " + RaggedData.FILE_NAME + " and " + RaggedIndex.FILE_NAME + ", in the directory at "
          + "the path");
    }
    int ordinal = recordsColumn(schema, given);
    StructField column = schema.fields()[ordinal];
    Configuration conf = SparkSession.active().sessionState().newHadoopConf();
    options.forEach(conf::set);
    try {
      TargetState found = TargetState.of(path, conf, mode);
      Optional<ExistingArray> existing = Optional.empty();
      if (mode == WriteMode.APPEND && found.state() != PathState.MISSING) {
        existing = Optional.of(existingData(found.files(), found.path(), found.state()));
      }
      OutputPlan element = planElement(column, writeOptions, existing);
      Path staging = found.staging(queryId);
      RecordWriteJob job = new RecordWriteJob(path, element, ordinal, column.name(), queryId,
          staging.toUri().toString(), found.files().isLocal(), new HadoopConf(conf), null);
      return new RaggedWrite(job, new OutputTarget(found.path(), mode, false, staging), found.files());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write to " + path + ": " + e.getMessage(), e);
    }
  }

  /** The column of the records: the one option {@code column} names, or the only column, an array. */
  private int recordsColumn(StructType schema, PathOptions given) {
    List<String> names = Arrays.stream(schema.fields()).map(StructField::name).toList();
    String wanted = given.get(COLUMN);
    int ordinal;
    if (wanted != null) {
      ordinal = names.indexOf(wanted);
      if (ordinal < 0) {
        ordinal = (Integer) schema.getFieldIndexCaseInsensitive(wanted).getOrElse(() -> -1);
      }
      if (ordinal < 0) {
        throw given.refused(COLUMN, "names '" + wanted + "', but the DataFrame has only the columns " + names);
      }
    } else if (names.size() == 1) {
      ordinal = 0;
    } else {
      throw new IllegalArgumentException(PathOptions.about(path, "the DataFrame has the columns " + names + ", but "
          + "a ragged array is written from one array column: choose it with option column, e.g. "
          + ".option(\"column\", \"" + names.get(0) + "\")"));
    }
    StructField field = schema.fields()[ordinal];
    if (!(field.dataType() instanceof ArrayType)) {
      throw new IllegalArgumentException(PathOptions.about(path, "column '" + field.name() + "' is "
          + field.dataType().simpleString() + ", not an array: each row of a ragged array is an array of elements"));
    }
    return ordinal;
  }

  /**
   * How each element of the column is written: the plan of a one-column {@code npy} write of the element type,
   * with the column's metadata, so that the dtype is chosen as there. Elements must have one size.
   */
  private OutputPlan planElement(StructField column, WriteOptions options, Optional<ExistingArray> existing) {
    ArrayType type = (ArrayType) column.dataType();
    StructField element = new StructField(column.name(), type.elementType(), true, column.metadata());
    OutputPlan plan;
    try {
      plan = OutputPlanner.plan(new StructType(new StructField[] {element}), options, existing);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(PathOptions.about(path, e.getMessage()), e);
    }
    if (!plan.arrayColumns().isEmpty() || !(plan.dtype(new long[0]) instanceof ScalarDType)) {
      throw new IllegalArgumentException(PathOptions.about(path, "column '" + column.name() + "' is "
          + type.simpleString() + ": the elements of a ragged array are scalars, one NumPy number, date or string "
          + "each; flatten or split the column first"));
    }
    return plan;
  }

  /**
   * The data an append adds to: the directory must hold a pair this connector can grow, a 1-D {@code data.npy}
   * and an {@code (N, 2)} little-endian int64 index in C order (a CSR index or another layout is refused rather
   * than converted).
   */
  private static ExistingArray existingData(OutputFiles files, Path target, PathState state) throws IOException {
    if (state != PathState.DIRECTORY) {
      throw new IllegalArgumentException("cannot append to " + target + ": it is a file, and a ragged array is a "
          + "directory holding " + RaggedData.FILE_NAME + " and " + RaggedIndex.FILE_NAME);
    }
    Path data = new Path(target, RaggedData.FILE_NAME);
    Path index = new Path(target, RaggedIndex.FILE_NAME);
    for (Path half : List.of(data, index)) {
      if (files.state(half) != PathState.FILE) {
        throw new IllegalArgumentException("cannot append to " + target + ": it has no " + half.getName()
            + ", so it is not a ragged array (" + RaggedData.FILE_NAME + " and " + RaggedIndex.FILE_NAME + ")");
      }
    }
    NpyHeader dataHeader = files.readHeader(data);
    if (dataHeader.shape().rank() != 1) {
      throw new IllegalArgumentException("cannot append to " + data + ": the data of a ragged array is 1-D, but it "
          + "has shape " + dataHeader.shape());
    }
    NpyHeader indexHeader = files.readHeader(index);
    Shape indexShape = indexHeader.shape();
    boolean pairs = indexShape.rank() == 2 && indexShape.dim(1) == 2
        && (!indexHeader.fortranOrder() || indexShape.dim(0) <= 1);
    if (!pairs || !indexHeader.dtype().equals(RaggedIndex.DTYPE)) {
      throw new IllegalArgumentException("cannot append to " + index + ": an append adds [start, length] pairs to "
          + "an (N, 2) little-endian int64 index in C order, but it has dtype "
          + NumpyDescr.toDescr(indexHeader.dtype()) + ", shape " + indexShape
          + (indexHeader.fortranOrder() ? " in Fortran order" : "") + "; write the pair anew with mode overwrite");
    }
    return new ExistingArray(dataHeader.dtype(), Shape.scalar(), data.toString());
  }
}
