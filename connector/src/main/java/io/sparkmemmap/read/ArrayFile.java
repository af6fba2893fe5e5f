package io.sparkmemmap.read;

import java.io.Serializable;
import org.apache.hadoop.fs.BlockLocation;
import org.apache.hadoop.fs.FileStatus;

/**
 * One input array as planning found it: a {@code .npy} file, an entry of an {@code .npz} archive or a memmap file.
 * Travels to executors inside partitions, so it holds facts, not handles.
 */
final class ArrayFile implements Serializable {
  private static final long serialVersionUID = 1L;

  private final String path;
  private final String uri;
  private final String entry;
  private final long fileLength;
  private final long dataOffset;
  private final long dataLength;
  private final boolean deflated;
  private final long rows;
  private final String shapeText;
  /**
   * The file's status as listed, or {@code null}: on an object store it carries the ETag, without which S3A's
   * analytics stream asks for it with a HEAD request per file a task opens.
   */
  private final FileStatus listed;
  /** Driver only: where the file's blocks are, for preferred locations. */
  private final transient BlockLocation[] blocks;

  /**
   * @param path the file's qualified Hadoop path, as {@code Path.toString()} gives it
   * @param uri the file's URI, as {@code Path.toUri()} gives it
   * @param entry the {@code .npz} entry name ({@code x.npy}), or {@code null} for a plain file
   * @param fileLength the file's length when it was planned
   * @param dataOffset the data's first byte: in the file, or for a deflated entry in the entry's content
   * @param dataLength bytes of array data
   * @param deflated whether the data is inside a deflated {@code .npz} entry
   * @param rows rows of the array in the layout read
   * @param shapeText the array's shape, for messages
   * @param blocks the file's block locations, or {@code null}
   * @param listed the file's status as listed, or {@code null} when only its length is known
   */
  ArrayFile(String path, String uri, String entry, long fileLength, long dataOffset, long dataLength, boolean deflated, long rows,
      String shapeText, BlockLocation[] blocks, FileStatus listed) {
    this.path = path;
    this.uri = uri;
    this.entry = entry;
    this.fileLength = fileLength;
    this.dataOffset = dataOffset;
    this.dataLength = dataLength;
    this.deflated = deflated;
    this.rows = rows;
    this.shapeText = shapeText;
    this.blocks = blocks;
    this.listed = listed;
  }

  /** The qualified Hadoop path of the file, to open it by. */
  String path() {
    return path;
  }

  /** The file's URI, as the {@code _file} column gives it. */
  String uri() {
    return uri;
  }

  String entry() {
    return entry;
  }

  long fileLength() {
    return fileLength;
  }

  long dataOffset() {
    return dataOffset;
  }

  long dataLength() {
    return dataLength;
  }

  boolean deflated() {
    return deflated;
  }

  long rows() {
    return rows;
  }

  String shapeText() {
    return shapeText;
  }

  /** The file's status as listed, or {@code null}. */
  FileStatus listed() {
    return listed;
  }

  BlockLocation[] blocks() {
    return blocks;
  }

  /** The file, and the entry of an archive, as every error about this array names it. */
  String describe() {
    return entry == null ? path : path + ", entry '" + entry + "'";
  }

  /** This array's data bytes for rows {@code [from, to)} in segment terms, for error messages. */
  String describe(long from, long to, long firstByte, long endByte) {
    return describe() + " rows [" + from + ", " + to + ") bytes [" + firstByte + ", " + endByte + ")";
  }

  @Override
  public String toString() {
    return describe();
  }
}
