package io.sparkmemmap.format;

import java.io.IOException;
import java.io.InputStream;
import java.util.Objects;

/** A buffered stream over a byte range of a {@link PositionalReader}. */
final class RangeInputStream extends InputStream {
  private static final int BUFFER_SIZE = 64 << 10;

  private final PositionalReader reader;
  private final long end;
  /** Position in the reader of the first byte not yet buffered. */
  private long position;
  private byte[] buffer;
  private int bufferPos;
  private int bufferLimit;

  RangeInputStream(PositionalReader reader, long position, long length) {
    if (position < 0 || length < 0 || position > Long.MAX_VALUE - length) {
      throw new IllegalArgumentException("invalid range of " + length + " bytes at " + position);
    }
    this.reader = reader;
    this.position = position;
    this.end = position + length;
  }

  @Override
  public int read() throws IOException {
    if (bufferPos == bufferLimit && !fill()) {
      return -1;
    }
    return buffer[bufferPos++] & 0xFF;
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    Objects.checkFromIndexSize(off, len, b.length);
    if (len == 0) {
      return 0;
    }
    if (bufferPos < bufferLimit) {
      int n = Math.min(len, bufferLimit - bufferPos);
      System.arraycopy(buffer, bufferPos, b, off, n);
      bufferPos += n;
      return n;
    }
    long remaining = end - position;
    if (remaining == 0) {
      return -1;
    }
    if (len >= BUFFER_SIZE) {
      int n = (int) Math.min(len, remaining);
      reader.readFully(position, b, off, n);
      position += n;
      return n;
    }
    fill();
    return read(b, off, len);
  }

  private boolean fill() throws IOException {
    int n = (int) Math.min(BUFFER_SIZE, end - position);
    if (n == 0) {
      return false;
    }
    if (buffer == null) {
      buffer = new byte[(int) Math.min(BUFFER_SIZE, end - position)];
    }
    n = Math.min(n, buffer.length);
    reader.readFully(position, buffer, 0, n);
    position += n;
    bufferPos = 0;
    bufferLimit = n;
    return true;
  }

  @Override
  public long skip(long n) {
    if (n <= 0) {
      return 0;
    }
    long buffered = bufferLimit - bufferPos;
    if (n <= buffered) {
      bufferPos += (int) n;
      return n;
    }
    long skipped = buffered + Math.min(n - buffered, end - position);
    position += skipped - buffered;
    bufferPos = bufferLimit;
    return skipped;
  }

  @Override
  public int available() {
    return bufferLimit - bufferPos;
  }
}
