package io.sparkmemmap.write;

import java.io.Serializable;
import java.net.URI;
import org.apache.hadoop.fs.Path;

/**
 * The names of a directory's parts, {@code part-<number>-<query id><suffix>}, numbered so that name order is row
 * order: zero-padded to one width, and after the existing parts when appending. Known before tasks run where tasks
 * upload their parts to their final names ({@link PartUploads}): partition {@code p} is part {@code first + p}, and
 * partitions without rows leave gaps.
 *
 * @param directory URI of the target directory
 */
record PartNames(String directory, String queryId, String suffix, int first, int width)
    implements Serializable {

  /** The planned names of {@code partitions} parts after the {@code first - 1} existing ones. */
  static PartNames plan(Path directory, String queryId, String suffix, int first, int partitions) {
    return new PartNames(directory.toUri().toString(), queryId, suffix, first, digits(first + partitions));
  }

  static String name(int number, int width, String queryId, String suffix) {
    return String.format("part-%0" + width + "d-%s%s", number, queryId, suffix);
  }

  /** Width of part numbers below {@code count}: at least 5 digits, as Spark's own part files. */
  static int digits(int count) {
    return Math.max(5, Integer.toString(Math.max(0, count - 1)).length());
  }

  /** Where partition {@code partitionId}'s part goes. */
  Path path(int partitionId) {
    return new Path(new Path(URI.create(directory)), name(first + partitionId, width, queryId, suffix));
  }

}
