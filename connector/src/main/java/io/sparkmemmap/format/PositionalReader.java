package io.sparkmemmap.format;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;

/**
 * Random-access reads of a file or an object in a store: what the zip directory and header readers need, and
 * nothing else, so that the read path can put it over a Hadoop stream or a local {@link FileChannel}.
 */
public interface PositionalReader {

  /** The length of the resource in bytes. */
  long size() throws IOException;

  /**
   * Reads exactly {@code length} bytes at {@code position} into {@code buffer} from {@code offset}.
   *
   * @throws EOFException when the range reaches past the end
   */
  void readFully(long position, byte[] buffer, int offset, int length) throws IOException;

  /**
   * A buffered stream over {@code length} bytes from {@code position}, a range within the resource; it reads
   * nothing until it is read.
   */
  default InputStream openStream(long position, long length) {
    return new RangeInputStream(this, position, length);
  }

  /** A reader over a channel the caller keeps open and closes. */
  static PositionalReader of(FileChannel channel) {
    return new PositionalReader() {
      @Override
      public long size() throws IOException {
        return channel.size();
      }

      @Override
      public void readFully(long position, byte[] buffer, int offset, int length) throws IOException {
        ByteBuffer target = ByteBuffer.wrap(buffer, offset, length);
        while (target.hasRemaining()) {
          int n = channel.read(target, position + target.position() - offset);
          if (n < 0) {
            throw new EOFException("end of file at " + (position + target.position() - offset) + " while reading "
                + length + " bytes at " + position);
          }
        }
      }
    };
  }
}
