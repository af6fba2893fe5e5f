package io.sparkmemmap.read;

import io.sparkmemmap.format.NpyFormatException;
import io.sparkmemmap.format.NumpyDescr;
import io.sparkmemmap.format.ScalarDType;
import io.sparkmemmap.schema.NumpySparkTypes;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.connector.catalog.MetadataColumn;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.Metadata;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.util.SerializableConfiguration;

/**
 * The input of a read of variable-length records, resolved on the driver from the indexes' headers: the indexes in
 * read order, the element type they share, and the columns: the elements as {@code array<T>} (T by the SPEC's type
 * table, no nulls), then the columns the index gives ({@link RecordIndex#indexColumns}).
 *
 * <p>Planning reuses the array planner: each input is an {@link ArrayFile} whose rows are its records and whose
 * data is its data file, so {@code _row_index} predicates, OFFSET and LIMIT select record ranges
 * ({@link SelectedRows}), and {@link PartitionPlanner} packs them into partitions by the records' average size (the
 * data file's length over the record count: the lengths themselves are in the index, which planning does not read).
 */
public final class RecordDataset implements ArrayInput {
  private final ReadOptions options;
  private final RecordFormat format;
  private final List<RecordIndex> indexes;
  private final List<ArrayFile> files;
  private final ScalarDType elementType;
  private final ValueReader elementReader;
  private final List<StructField> indexColumns;
  private final StructType schema;
  private final RowLayout planningLayout;
  private final ConfBroadcast broadcastConf;

  private RecordDataset(ReadOptions options, RecordFormat format, List<RecordIndex> indexes, Configuration conf)
      throws NpyFormatException {
    this.options = options;
    this.format = format;
    this.indexes = List.copyOf(indexes);
    RecordIndex first = indexes.get(0);
    for (RecordIndex index : indexes) {
      boolean agrees = index.elementType().equals(first.elementType())
          && index.indexColumns().equals(first.indexColumns());
      if (!agrees) {
        throw new NpyFormatException(index.describe(), "does not match the other inputs of the read: it has "
            + summary(index) + " but " + first.describe() + " has " + summary(first) + "; all must agree to be read "
            + "as one dataset");
      }
    }
    this.elementType = first.elementType();
    this.elementReader = ScalarReaders.forType(elementType, options.bytesAsString(), options.datetimeAsLong());
    DataType element = NumpySparkTypes.sparkType(elementType, options.bytesAsString(), options.datetimeAsLong());
    this.indexColumns = List.copyOf(first.indexColumns());
    List<StructField> fields = new ArrayList<>();
    fields.add(new StructField(format.elementColumn(), new ArrayType(element, false), false,
        NumpySparkTypes.withDType(Metadata.empty(), NumpyDescr.toDescr(elementType))));
    fields.addAll(indexColumns);
    this.schema = new StructType(fields.toArray(new StructField[0]));
    long records = 0;
    long bytes = 0;
    List<ArrayFile> planned = new ArrayList<>();
    for (RecordIndex index : indexes) {
      records += index.recordCount();
      bytes += index.dataBytes();
      planned.add(new ArrayFile(index.dataPath(), index.dataUri(), null, index.dataFileLength(), index.dataOffset(),
          index.dataBytes(), false, index.recordCount(), index.recordCount() + " records", null, index.dataStatus()));
    }
    this.files = List.copyOf(planned);
    long averageRecordBytes = records == 0 ? 1 : Math.max(1, bytes / records);
    this.planningLayout = new RowLayout(false, (int) Math.min(RowLayout.MAX_ROW_BYTES, averageRecordBytes),
        new int[0]);
    this.broadcastConf = new ConfBroadcast(conf);
  }

  private static String summary(RecordIndex index) {
    return "elements of dtype " + NumpyDescr.toDescr(index.elementType()) + " and columns " + index.indexColumns()
        .stream().map(StructField::name).toList();
  }

  /**
   * Finds the inputs of a read and reads their index headers.
   *
   * @throws IOException when a path does not exist, an input is not of the format, or the inputs disagree
   */
  public static RecordDataset resolve(ReadOptions options, Configuration conf) throws IOException {
    RecordFormat format = RecordFormat.of(options.format());
    return new RecordDataset(options, format, format.resolve(options, conf), conf);
  }

  @Override
  public StructType schema() {
    return schema;
  }

  @Override
  public MetadataColumn[] metadataColumns() {
    return MetadataColumns.records();
  }

  @Override
  public RecordScanBuilder newScanBuilder(StructType tableSchema, ReadOptions scanOptions) {
    return new RecordScanBuilder(this, tableSchema, scanOptions);
  }

  /** The inputs, element type and columns, as scans describe their input in EXPLAIN. */
  String describe() {
    String first = indexes.get(0).describe();
    return options.format().shortName() + " [" + (indexes.size() == 1 ? first : indexes.size() + " inputs, first "
        + first) + "] dtype=" + NumpyDescr.toDescr(elementType);
  }

  /** The inputs as planning sees them: one array of records each, in read order. */
  List<ArrayFile> files() {
    return files;
  }

  /** The indexes by the path of their data file, which the planned ranges name. */
  Map<String, RecordIndex> indexesByDataPath() {
    Map<String, RecordIndex> byPath = new HashMap<>();
    for (RecordIndex index : indexes) {
      byPath.put(index.dataPath(), index);
    }
    return byPath;
  }

  List<RecordIndex> indexes() {
    return indexes;
  }

  /** A record as planning sizes it: the average record. */
  RowLayout planningLayout() {
    return planningLayout;
  }

  /** The name of the column of each record's elements: {@code tokens}, {@code value}. */
  public String elementColumn() {
    return format.elementColumn();
  }

  ScalarDType elementType() {
    return elementType;
  }

  ValueReader elementReader() {
    return elementReader;
  }

  List<StructField> indexColumns() {
    return indexColumns;
  }

  Broadcast<SerializableConfiguration> broadcastConf() {
    return broadcastConf.get();
  }
}
