package io.sparkmemmap.write;

import io.sparkmemmap.format.ragged.RaggedIndex;
import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;

/**
 * Shifts the starts of staged index parts by the elements of the parts before them, on the executors: a task
 * writes its records' starts from its own first element, since it cannot know how many elements lower partitions
 * hold; the job knows once every task has committed. The shift is one pass over 16 bytes per record, run as a
 * small Spark job of one task per part at job commit, so that no index passes through the driver. Local parts are
 * shifted in place; on other file systems the shifted part is a new file beside the old one, so that the file
 * system can still join the parts on its side.
 *
 * @param file URI of the staged index part
 * @param records the pairs it holds
 * @param base the elements before the part: what its starts are shifted by
 */
record IndexRebase(String file, long records, long base) implements Serializable {
  private static final int CHUNK_BYTES = 1 << 20;

  /**
   * Shifts every part, as one Spark job when there is any.
   *
   * @return for each shift, the URI of the shifted part
   */
  static List<String> run(List<IndexRebase> shifts, HadoopConf conf) {
    if (shifts.isEmpty()) {
      return List.of();
    }
    JavaSparkContext context = JavaSparkContext.fromSparkContext(SparkSession.active().sparkContext());
    return new ArrayList<>(context.parallelize(shifts, shifts.size()).map(shift -> shift.apply(conf)).collect());
  }

  /** Shifts this part; returns where the shifted pairs are. */
  String apply(HadoopConf conf) {
    Path source = RecordPart.path(file);
    try {
      FileSystem fs = source.getFileSystem(conf.get());
      if ("file".equals(fs.getScheme())) {
        shiftInPlace(source);
        return file;
      }
      Path shifted = new Path(source.getParent(), source.getName() + ".shifted");
      try (FSDataInputStream in = fs.open(source); FSDataOutputStream out = fs.create(shifted, false)) {
        byte[] chunk = new byte[CHUNK_BYTES];
        for (long at = 0, end = records * RecordDataWriter.PAIR_BYTES; at < end; at += chunk.length) {
          int length = (int) Math.min(chunk.length, end - at);
          in.readFully(at, chunk, 0, length);
          RaggedIndex.rebase(ByteBuffer.wrap(chunk, 0, length), base);
          out.write(chunk, 0, length);
        }
      }
      return shifted.toUri().toString();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot shift the index part " + source + " by " + base + " elements", e);
    }
  }

  private void shiftInPlace(Path source) throws IOException {
    try (FileChannel channel = FileChannel.open(OutputFiles.Local.nio(source), StandardOpenOption.READ,
        StandardOpenOption.WRITE)) {
      ByteBuffer chunk = ByteBuffer.allocate(CHUNK_BYTES);
      for (long at = 0, end = records * RecordDataWriter.PAIR_BYTES; at < end; at += chunk.limit()) {
        chunk.clear().limit((int) Math.min(CHUNK_BYTES, end - at));
        while (chunk.hasRemaining()) {
          if (channel.read(chunk, at + chunk.position()) < 0) {
            throw new IOException(source + " ends before its " + records + " index pairs");
          }
        }
        chunk.flip();
        RaggedIndex.rebase(chunk, base);
        OutputFiles.Local.writeFully(channel, chunk, at);
      }
    }
  }
}
