package io.sparkmemmap.write;

import io.sparkmemmap.ArrayFormat;
import io.sparkmemmap.format.NpyHeader;
import io.sparkmemmap.read.FileListing;
import io.sparkmemmap.read.PathOptions;
import io.sparkmemmap.write.OutputFiles.PathState;
import java.io.BufferedInputStream;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.connector.write.BatchWrite;
import org.apache.spark.sql.connector.write.LogicalWriteInfo;
import org.apache.spark.sql.connector.write.WriterCommitMessage;
import org.apache.spark.sql.internal.connector.SupportsStreamingUpdateAsAppend;
import org.apache.spark.sql.types.StructType;

/**
 * Plans a write to a path: reads what is there (an append keeps its dtype and row shape), plans the bytes of each
 * row ({@link OutputPlanner}), and fixes where the job stages and publishes. Every problem with the schema or the
 * options is raised here, on the driver, before any task runs or any file is made. A streaming query plans one
 * for each micro-batch; its output mode update is written as append (the sink only ever adds rows).
 */
public final class NpyWriteBuilder extends PathWriteBuilder implements SupportsStreamingUpdateAsAppend {
  private final ArrayFormat format;

  /**
   * @param tableOptions options of the table (those it was loaded with); the write's own options override them
   * @param mode what the table is for: {@link WriteMode#APPEND} for a loaded table, until {@link #truncate()}
   */
  public NpyWriteBuilder(ArrayFormat format, String path, Map<String, String> tableOptions, LogicalWriteInfo info,
      WriteMode mode) {
    super(path, tableOptions, info, mode);
    this.format = format;
  }

  /**
   * Publishes an empty array of the dtype {@code schema} plans to, as CREATE TABLE without data does: a directory
   * with one empty part, or an empty single file.
   */
  public static void createEmpty(ArrayFormat format, String path, StructType schema, Map<String, String> options) {
    NpyWrite write = new NpyWriteBuilder(format, path, options, null, WriteMode.CREATE)
        .plan(schema, Map.of(), UUID.randomUUID().toString());
    BatchWrite batch = write.toBatch();
    batch.createBatchWriterFactory(null);
    batch.commit(new WriterCommitMessage[0]);
  }

  @Override
  NpyWrite plan(StructType schema, Map<String, String> callOptions, String queryId) {
    Map<String, String> options = new HashMap<>(tableOptions);
    options.putAll(callOptions);
    WriteOptions writeOptions = WriteOptions.parse(path, options);
    Configuration conf = SparkSession.active().sessionState().newHadoopConf();
    options.forEach(conf::set);
    try {
      TargetState found = TargetState.of(path, conf, mode);
      Path target = found.path();
      OutputFiles files = found.files();
      PathState state = found.state();
      boolean appending = mode == WriteMode.APPEND && state != PathState.MISSING;
      if (appending && state == PathState.DIRECTORY && writeOptions.singleFile()) {
        throw new IllegalArgumentException("cannot append a single file to " + target + ": it is a directory; append "
            + "parts to it without singleFile, or write the single file elsewhere");
      }
      boolean singleFile = writeOptions.singleFile() || (appending && state == PathState.FILE);
      Optional<ExistingArray> existing = appending ? existing(target, conf) : Optional.empty();
      OutputPlan plan = planRows(schema, writeOptions, existing);
      Path staging = found.staging(queryId);
      WriteJob job = new WriteJob(format, path, plan, queryId, staging.toUri().toString(), files.isLocal(),
          singleFile && !files.isLocal(), new HadoopConf(conf), writeOptions.nullValue().isPresent(),
          PartUploads.apply(target.getFileSystem(conf), target));
      return new NpyWrite(job, new OutputTarget(target, mode, singleFile, staging), files);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write to " + path + ": " + e.getMessage(), e);
    }
  }

  /** The bytes of each row; a column that cannot be written is refused naming the path as well as the column. */
  private OutputPlan planRows(StructType schema, WriteOptions writeOptions, Optional<ExistingArray> existing) {
    try {
      return OutputPlanner.plan(schema, writeOptions, existing);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(PathOptions.about(path, e.getMessage()), e);
    }
  }

  /** The array at the target that an append must match: the file, or the first part of the directory. */
  private Optional<ExistingArray> existing(Path target, Configuration conf) throws IOException {
    if (format != ArrayFormat.NPY) {
      return Optional.empty(); // headerless: nothing says what the bytes are
    }
    List<FileListing.Listed> listed;
    try {
      listed = FileListing.list(List.of(target.toString()), format.fileSuffix(), conf);
    } catch (FileNotFoundException e) {
      return Optional.empty(); // an empty directory
    }
    Path file = listed.get(0).status().getPath();
    NpyHeader header;
    try (InputStream in = new BufferedInputStream(listed.get(0).fs().open(file))) {
      header = NpyHeader.read(in, file.toString());
    }
    InPlaceAppend.checkGrowable(header, file.toString());
    return Optional.of(new ExistingArray(header.dtype(), header.shape().trailing(), file.toString()));
  }
}
