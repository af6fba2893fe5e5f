package io.sparkmemmap.write;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Optional;
import org.apache.hadoop.fs.Path;

/**
 * The last micro-batch a streaming query committed to a single {@code .npy}, kept beside it in
 * {@code <file>.memmap-commit} (NumPy refuses extra keys in a header, so it cannot go there): the query, the epoch,
 * and the rows the array holds once that epoch's rows are in. Text: {@code v1}, {@code query <id>},
 * {@code epoch <n>}, {@code rows <n>}, one a line.
 */
record EpochRecord(String queryId, long epoch, long rows) {
  static final String SUFFIX = ".memmap-commit";
  private static final String VERSION = "v1";

  /** Where the record of {@code file} is kept. */
  static Path of(Path file) {
    return new Path(file.getParent(), file.getName() + SUFFIX);
  }

  static Optional<EpochRecord> read(Path record) throws IOException {
    String text;
    try {
      text = Files.readString(OutputFiles.Local.nio(record), StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      return Optional.empty();
    }
    String[] lines = text.split("\n");
    try {
      if (lines.length == 4 && lines[0].equals(VERSION) && lines[1].startsWith("query ")
          && lines[2].startsWith("epoch ") && lines[3].startsWith("rows ")) {
        return Optional.of(new EpochRecord(lines[1].substring(6), Long.parseLong(lines[2].substring(6)),
            Long.parseLong(lines[3].substring(5))));
      }
    } catch (NumberFormatException e) {
      // refused below
    }
    throw new IOException(record + " is not the record of a streaming sink's last committed epoch: it should hold "
        + "the lines '" + VERSION + "', 'query <id>', 'epoch <n>' and 'rows <n>'");
  }

  /**
   * Replaces the record at {@code record} with this one in one step: written beside it, forced to disk, renamed
   * over it, and the rename forced too, so that after a crash the record is the old one or this one, whole.
   */
  void write(Path record) throws IOException {
    java.nio.file.Path target = OutputFiles.Local.nio(record);
    java.nio.file.Path written = target.resolveSibling("." + target.getFileName() + ".tmp");
    byte[] text = (VERSION + "\nquery " + queryId + "\nepoch " + epoch + "\nrows " + rows + "\n")
        .getBytes(StandardCharsets.UTF_8);
    try (FileChannel out = FileChannel.open(written, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
        StandardOpenOption.TRUNCATE_EXISTING)) {
      OutputFiles.Local.writeFully(out, ByteBuffer.wrap(text), 0);
      out.force(true);
    }
    Files.move(written, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    try (FileChannel dir = FileChannel.open(target.getParent(), StandardOpenOption.READ)) {
      dir.force(true);
    }
  }

  /** Refuses a record another query wrote: its epochs are not this query's, so they cannot tell what is new. */
  void checkWrittenBy(String expectedQueryId, Path file) {
    if (!queryId.equals(expectedQueryId)) {
      throw StreamingOutput.writtenByAnotherQuery(file, of(file).getName(), epoch, queryId, expectedQueryId);
    }
  }
}
