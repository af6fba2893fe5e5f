package io.sparkmemmap.write;

import io.sparkmemmap.format.NumpyDescr;
import io.sparkmemmap.format.ScalarDType;
import io.sparkmemmap.format.megatron.MegatronDType;
import io.sparkmemmap.format.megatron.MegatronIndex;
import io.sparkmemmap.read.PathOptions;
import io.sparkmemmap.schema.NumpySparkTypes;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.connector.write.BatchWrite;
import org.apache.spark.sql.connector.write.LogicalWriteInfo;
import org.apache.spark.sql.connector.write.WriterCommitMessage;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.ByteType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.IntegerType;
import org.apache.spark.sql.types.LongType;
import org.apache.spark.sql.types.ShortType;
import org.apache.spark.sql.types.StringType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * Plans a write of one Megatron pair at a prefix: the columns ({@code tokens}, or the only array column; optional
 * {@code document} and {@code mode}), the dtype (option {@code dtype}, else the one the column's metadata records,
 * else by the element type: int as int32, long as int64, ...), and what is at the prefix (an append keeps the old
 * pair's dtype and modes). Every problem is raised here, before any task runs or any file is made.
 */
public final class MegatronWriteBuilder extends PathWriteBuilder {
  static final String DTYPE = "dtype";
  static final String MULTIMODAL = "multimodal";
  static final String TOKENS = "tokens";
  static final String DOCUMENT = "document";
  static final String MODE = "mode";


  public MegatronWriteBuilder(String path, Map<String, String> tableOptions, LogicalWriteInfo info, WriteMode mode) {
    super(path, tableOptions, info, mode);
  }

  /** CREATE TABLE without data: an empty pair (no sequences, the document indices {@code [0]}). */
  static void createEmpty(String path, StructType schema, Map<String, String> options) {
    BatchWrite batch = new MegatronWriteBuilder(path, options, null, WriteMode.CREATE)
        .plan(schema, Map.of(), UUID.randomUUID().toString()).toBatch();
    batch.createBatchWriterFactory(null);
    batch.commit(new WriterCommitMessage[0]);
  }

  @Override
  RecordsWrite plan(StructType schema, Map<String, String> callOptions, String queryId) {
    Map<String, String> options = new HashMap<>(tableOptions);
    options.putAll(callOptions);
    Configuration conf = SparkSession.active().sessionState().newHadoopConf();
    try {
      Path prefix = new Path(path);
      FileSystem fs = prefix.getFileSystem(conf);
      prefix = fs.makeQualified(prefix);
      if (prefix.getName().endsWith(".bin") || prefix.getName().endsWith(".idx")) {
        prefix = new Path(prefix.getParent(), prefix.getName().substring(0, prefix.getName().length() - 4));
      }
      Path staging = new Path(prefix.getParent(), "." + prefix.getName() + ".spark-memmap-" + queryId);
      MegatronTarget probe = new MegatronTarget(prefix, mode, false, null, false, staging);
      boolean binExists = fs.exists(probe.bin());
      boolean idxExists = fs.exists(probe.idx());
      if (mode == WriteMode.CREATE && (binExists || idxExists)) {
        throw new IllegalArgumentException("path " + (idxExists ? probe.idx() : probe.bin()) + " already exists");
      }
      boolean appending = mode == WriteMode.APPEND && (binExists || idxExists);
      if (appending && binExists != idxExists) {
        throw new IllegalArgumentException(PathOptions.about(prefix.toString(), "cannot append to half a Megatron "
            + "dataset: " + (idxExists ? probe.idx() : probe.bin()) + " exists but "
            + (idxExists ? probe.bin() : probe.idx()) + " does not"));
      }
      MegatronIndex existing = appending ? existing(fs, probe.idx()) : null;
      Columns columns = Columns.of(prefix.toString(), schema, options, existing);
      MegatronTarget target = new MegatronTarget(prefix, mode, appending, columns.dtype, columns.dtypeGiven,
          staging);
      OutputFiles files = OutputFiles.of(fs, conf);
      RecordWriteJob job = new RecordWriteJob(path,
          new ElementEncoder.Tokens(columns.elementsName, columns.elementType, columns.dtype), columns.elements,
          columns.elementsName, queryId, staging.toUri().toString(), files.isLocal(), new HadoopConf(conf),
          new SequenceMarks(columns.document, columns.documentType, columns.mode, columns.modeType,
              columns.elementType));
      return new RecordsWrite(job, target, files, fs);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write to " + path + ": " + e.getMessage(), e);
    }
  }

  private static MegatronIndex existing(FileSystem fs, Path idx) throws IOException {
    try (FSDataInputStream in = fs.open(idx)) {
      return MegatronIndex.read(MegatronPublisher.reader(in, fs.getFileStatus(idx).getLen()), idx.toString());
    }
  }

  /** The columns written and the dtype, checked against the options and an existing pair. */
  private static final class Columns {
    int elements = -1;
    String elementsName;
    DataType elementType;
    MegatronDType dtype;
    boolean dtypeGiven;
    int document = -1;
    DataType documentType;
    int mode = -1;
    DataType modeType;

    static Columns of(String prefix, StructType schema, Map<String, String> options, MegatronIndex existing) {
      Columns c = new Columns();
      StructField[] fields = schema.fields();
      List<String> arrays = new ArrayList<>();
      List<String> others = new ArrayList<>();
      for (int i = 0; i < fields.length; i++) {
        String name = fields[i].name();
        DataType type = fields[i].dataType();
        if (name.equalsIgnoreCase(DOCUMENT)) {
          c.document = i;
          c.documentType = type;
          if (!(type instanceof ByteType || type instanceof ShortType || type instanceof IntegerType
              || type instanceof LongType || type instanceof StringType)) {
            throw refused(prefix, "column 'document' is " + type.simpleString() + "; it must be an integer or a "
                + "string, whose consecutive equal values make one document");
          }
        } else if (name.equalsIgnoreCase(MODE)) {
          c.mode = i;
          c.modeType = type;
          if (!(type instanceof ByteType || type instanceof ShortType || type instanceof IntegerType
              || type instanceof LongType)) {
            throw refused(prefix, "column 'mode' is " + type.simpleString() + "; it must be an integer in int8 "
                + "range");
          }
        } else if (type instanceof ArrayType) {
          arrays.add(name);
        } else {
          others.add(name);
        }
      }
      String elementsName = arrays.stream().filter(n -> n.equalsIgnoreCase(TOKENS)).findFirst()
          .orElse(arrays.size() == 1 ? arrays.get(0) : null);
      if (elementsName == null) {
        throw refused(prefix, "a Megatron dataset is written from an array column of tokens, named 'tokens' or the "
            + "only array column, but the columns are " + String.join(", ", schema.fieldNames()));
      }
      arrays.remove(elementsName);
      others.addAll(arrays);
      if (!others.isEmpty()) {
        throw refused(prefix, "columns " + others + " have no place in a Megatron dataset, which holds '"
            + elementsName + "' and optionally 'document' and 'mode': select those");
      }
      c.elements = schema.fieldIndex(elementsName);
      c.elementsName = elementsName;
      StructField tokens = fields[c.elements];
      c.elementType = ((ArrayType) tokens.dataType()).elementType();
      String multimodal = options.get(MULTIMODAL);
      if (multimodal != null && !multimodal.equalsIgnoreCase("true") && !multimodal.equalsIgnoreCase("false")) {
        throw refused(prefix, "option 'multimodal' is '" + multimodal + "', not true or false");
      }
      if ("true".equalsIgnoreCase(multimodal) && c.mode < 0) {
        throw refused(prefix, "option multimodal=true needs a 'mode' column: the int8 mode of each sequence");
      }
      if ("false".equalsIgnoreCase(multimodal)) {
        c.mode = -1; // the modes are left out on request
      }
      String dtypeText = options.get(DTYPE);
      c.dtypeGiven = dtypeText != null;
      c.dtype = dtypeText != null ? dtype(prefix, dtypeText)
          : ElementEncoder.inferred(c.elementType, NumpySparkTypes.recordedDType(tokens).orElse(null));
      if (existing != null) {
        if (dtypeText == null) {
          c.dtype = existing.dtype();
        } else if (existing.dtype() != c.dtype) {
          throw refused(prefix, "cannot append " + name(c.dtype) + " tokens to " + existing.resource()
              + ", which holds " + name(existing.dtype()) + " tokens");
        }
        if (existing.hasModes() != (c.mode >= 0) && existing.sequenceCount() > 0) {
          throw refused(prefix, "cannot append " + (c.mode >= 0 ? "multimodal sequences to " : "sequences without "
              + "modes to ") + existing.resource() + ", which " + (existing.hasModes() ? "has" : "has no")
              + " modes");
        }
      }
      try {
        new ElementEncoder(elementsName, c.elementType, c.dtype);
      } catch (IllegalArgumentException e) {
        throw refused(prefix, "column '" + elementsName + "': " + e.getMessage());
      }
      return c;
    }

    private static String name(MegatronDType dtype) {
      return dtype.name().toLowerCase(Locale.ROOT);
    }

    /** {@code uint16}, {@code int32}, ... or a NumPy descr such as {@code <u2}. */
    static MegatronDType dtype(String prefix, String text) {
      for (MegatronDType dtype : MegatronDType.values()) {
        if (dtype.name().equalsIgnoreCase(text.trim())) {
          return dtype;
        }
      }
      try {
        if (NumpyDescr.parse(text) instanceof ScalarDType scalar && (scalar.itemSize() == 1
            || scalar.endian() != io.sparkmemmap.format.Endian.BIG)) {
          for (MegatronDType dtype : MegatronDType.values()) {
            ScalarDType candidate = (ScalarDType) NumpyDescr.parse(dtype.numpyDescr());
            if (candidate.kind() == scalar.kind() && candidate.itemSize() == scalar.itemSize()) {
              return dtype;
            }
          }
        }
      } catch (RuntimeException notNumpy) {
        // refused below with the choices
      }
      throw refused(prefix, "option 'dtype' is '" + text + "', not a Megatron token type: uint8, int8, int16, "
          + "int32, int64, float64, float32 or uint16 (little-endian)");
    }

    private static IllegalArgumentException refused(String prefix, String problem) {
      return new IllegalArgumentException(PathOptions.about(prefix, problem));
    }
  }
}
