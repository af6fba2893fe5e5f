package io.sparkmemmap.read;

import io.sparkmemmap.ArrayFormat;
import java.io.IOException;
import java.util.List;
import org.apache.hadoop.conf.Configuration;

/**
 * How a format of variable-length records finds its indexes: the paths of a read (files, prefixes, directories,
 * globs) to one {@link RecordIndex} per input, in read order, each checked as far as its header allows.
 */
interface RecordFormat {
  /** The name of the column of each record's elements: {@code tokens}, {@code value}. */
  String elementColumn();

  /**
   * The indexes of the inputs at the paths, in read order.
   *
   * @throws IOException when a path does not exist or an input is not of the format, naming the file
   */
  List<RecordIndex> resolve(ReadOptions options, Configuration conf) throws IOException;

  /** The records format of a data source. */
  static RecordFormat of(ArrayFormat format) {
    switch (format) {
      case MEGATRON:
        return new MegatronRecords();
      case RAGGED:
        return new RaggedRecords();
      default:
        throw new IllegalArgumentException(format.shortName() + " is not a format of variable-length records");
    }
  }
}
