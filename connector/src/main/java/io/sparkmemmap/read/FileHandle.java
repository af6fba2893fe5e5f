package io.sparkmemmap.read;

import io.sparkmemmap.format.PositionalReader;
import java.io.Closeable;
import java.io.EOFException;
import java.io.IOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Paths;
import java.nio.file.StandardOpenOption;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.Options.OpenFileOptions;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.util.functional.FutureIO;

/**
 * An open input file: a {@link FileChannel} for {@code file:} URIs, which can be mapped, or a Hadoop stream for
 * every other file system, read only by positioned reads. Counts the bytes it reads for the task metrics, and for a
 * remote file what it fetched ({@link RemoteFetches}).
 *
 * <p>A remote file is opened with Hadoop's {@code openFile}, its listed length and the {@code random} read policy:
 * no request for the file's status, and on an object store each positioned read is one ranged GET of the bytes it
 * asks for (at least the connector's readahead, 64 KiB on S3A), never a GET to the end of the object that is then
 * drained or aborted. Callers read rows in windows of up to {@link FileRows#REMOTE_WINDOW_BYTES}, so a task's
 * requests are as large as its range allows.
 */
final class FileHandle implements Closeable {
  private final String path;
  private final FileChannel channel;
  private final FSDataInputStream stream;
  private final long size;
  private final RemoteFetches fetches;
  private long bytesRead;

  private FileHandle(String path, FileChannel channel, FSDataInputStream stream, long size) {
    this.path = path;
    this.channel = channel;
    this.stream = stream;
    this.size = size;
    this.fetches = stream == null ? RemoteFetches.NONE : RemoteFetches.of(stream);
  }

  /**
   * Opens a file by its qualified Hadoop path, as listed. (Not by URI string: Hadoop leaves a {@code %} of a file
   * name unescaped in its URIs, so they do not always decode back to the name.)
   *
   * @param listedLength the length the listing gave: a Hadoop stream's reads are bounded by it, without asking
   *     the file system for the file's status again (a round trip per file on a remote one); a local file's own
   *     length is read from its channel
   */
  static FileHandle open(String qualifiedPath, long listedLength, Configuration conf) throws IOException {
    return open(qualifiedPath, listedLength, null, conf);
  }

  /**
   * Opens a file as a listing gave it. On an object store the listed status also carries the object's ETag, which
   * S3A's analytics stream (Hadoop 3.5's default input stream) needs before its first read: opened by path and
   * length alone, it asks for it with a HEAD request first, one more round trip per file.
   */
  static FileHandle open(FileStatus listed, Configuration conf) throws IOException {
    return open(listed.getPath().toString(), listed.getLen(), listed, conf);
  }

  private static FileHandle open(String qualifiedPath, long listedLength, FileStatus listed, Configuration conf)
      throws IOException {
    Path path = new Path(qualifiedPath);
    java.nio.file.Path local = localPath(qualifiedPath);
    if (local != null) {
      FileChannel channel = FileChannel.open(local, StandardOpenOption.READ);
      try {
        return new FileHandle(qualifiedPath, channel, null, channel.size());
      } catch (IOException | RuntimeException e) {
        channel.close();
        throw e;
      }
    }
    FSDataInputStream stream = FutureIO.awaitFuture(path.getFileSystem(conf).openFile(path)
        .opt(OpenFileOptions.FS_OPTION_OPENFILE_READ_POLICY, OpenFileOptions.FS_OPTION_OPENFILE_READ_POLICY_RANDOM)
        .optLong(OpenFileOptions.FS_OPTION_OPENFILE_LENGTH, listedLength)
        .withFileStatus(listed)
        .build());
    return new FileHandle(qualifiedPath, null, stream, listedLength);
  }

  /** The file of a qualified Hadoop path on the local file system; null for any other file system. */
  static java.nio.file.Path localPath(String qualifiedPath) {
    URI uri = new Path(qualifiedPath).toUri();
    return "file".equals(uri.getScheme()) ? Paths.get(uri.getPath()) : null;
  }

  /** Whether the file can be mapped: it is on the local file system. */
  boolean isLocal() {
    return channel != null;
  }

  /** The channel of a local file. */
  FileChannel channel() {
    return channel;
  }

  /** The file's length: when it was opened for a local file, when it was listed for any other. */
  long size() {
    return size;
  }

  /** Bytes read through {@link #readFully} and {@link #reader()} so far. */
  long bytesRead() {
    return bytesRead;
  }

  /** What was fetched from a remote file so far: bytes and requests; nothing for a local file. */
  RemoteFetches fetches() {
    return fetches;
  }

  /** Reads exactly {@code length} bytes at {@code position}. */
  void readFully(long position, byte[] buffer, int offset, int length) throws IOException {
    if (channel != null) {
      readFully(position, ByteBuffer.wrap(buffer, offset, length));
      return;
    }
    checkWithin(position, length);
    try {
      stream.readFully(position, buffer, offset, length);
      fetches.countRead(length);
    } catch (EOFException e) {
      throw new EOFException(path + ": " + length + " bytes at offset " + position + " reach past the end of the "
          + "file, which is shorter than the " + size + " bytes it had when listed (it was truncated or rewritten)");
    }
    bytesRead += length;
  }

  /**
   * Fills {@code target} from its position to its limit with the bytes at {@code position}: a local file straight
   * into the buffer (a direct one takes no copy through the JVM), any other into its array.
   */
  void readFully(long position, ByteBuffer target) throws IOException {
    int length = target.remaining();
    if (channel == null) {
      readFully(position, target.array(), target.arrayOffset() + target.position(), length);
      target.position(target.limit());
      return;
    }
    checkWithin(position, length);
    long at = position;
    while (target.hasRemaining()) {
      int n = channel.read(target, at);
      if (n < 0) {
        throw new EOFException(path + ": the file ends at byte " + at + ", inside the " + length + " bytes at offset "
            + position + " it had when opened (" + size + " bytes); it was truncated or rewritten under the read");
      }
      at += n;
    }
    bytesRead += length;
  }

  private void checkWithin(long position, int length) throws EOFException {
    if (position < 0 || position > size - length) {
      throw new EOFException(path + ": " + length + " bytes at offset " + position + " reach past the end of the file ("
          + size + " bytes)");
    }
  }

  /** This file as the format package reads headers and archives. */
  PositionalReader reader() {
    return new PositionalReader() {
      @Override
      public long size() {
        return size;
      }

      @Override
      public void readFully(long position, byte[] buffer, int offset, int length) throws IOException {
        FileHandle.this.readFully(position, buffer, offset, length);
      }
    };
  }

  @Override
  public void close() throws IOException {
    if (channel != null) {
      channel.close();
    } else {
      stream.close();
    }
  }

  @Override
  public String toString() {
    return path;
  }
}
