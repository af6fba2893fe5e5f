package io.sparkmemmap.format.ragged;

import io.sparkmemmap.format.DType;
import io.sparkmemmap.format.NpyHeader;
import io.sparkmemmap.format.NumpyDescr;
import io.sparkmemmap.format.PositionalReader;
import java.io.IOException;
import java.io.InputStream;

/**
 * The flat data array of a ragged array: where its elements lie in the file and how many there are. Either a 1-D
 * {@code .npy} ({@link #readNpy}) or a headerless file described by a dtype and an offset, as {@code np.memmap}
 * maps it ({@link #raw}). Holds facts, not the file, so that it can travel to executors.
 */
public final class RaggedData implements java.io.Serializable {
  private static final long serialVersionUID = 1L;

  /** The name of the data array in a ragged array's directory. */
  public static final String FILE_NAME = "data.npy";

  private final String resource;
  /** The dtype's descr: {@link DType} is not serializable. */
  private final String descr;
  private final long dataOffset;
  private final long elements;
  private transient DType dtype;

  private RaggedData(String resource, DType dtype, long dataOffset, long elements) {
    this.resource = resource;
    this.descr = NumpyDescr.toDescr(dtype);
    this.dtype = dtype;
    this.dataOffset = dataOffset;
    this.elements = elements;
  }

  /**
   * Reads the header of a {@code .npy} data array and checks that it is 1-D, holds data rather than Python objects,
   * and that the file holds every element the header promises.
   */
  public static RaggedData readNpy(PositionalReader reader, String resource) throws IOException {
    long size = reader.size();
    NpyHeader header;
    try (InputStream in = reader.openStream(0, size)) {
      header = NpyHeader.read(in, resource);
    }
    if (header.shape().rank() != 1) {
      throw new RaggedFormatException(resource, "the data of a ragged array must be 1-D, the elements of every row "
          + "back to back, but it has shape " + header.shape());
    }
    checkNotObject(resource, header.dtype());
    long available = size - header.dataOffset();
    if (available < header.dataLength()) {
      throw new RaggedFormatException(resource, "the data is shorter than the header says: shape "
          + header.shape() + " of dtype " + NumpyDescr.toDescr(header.dtype()) + " needs " + header.dataLength()
          + " bytes after the " + header.dataOffset() + "-byte header, but there are only " + Math.max(0, available));
    }
    return new RaggedData(resource, header.dtype(), header.dataOffset(), header.shape().dim(0));
  }

  /**
   * A headerless data file of {@code fileSize} bytes holding elements of {@code dtype} from {@code offset} to its
   * end, as {@code np.memmap(f, dtype, mode='r', offset=offset)} maps it.
   */
  public static RaggedData raw(String resource, long fileSize, DType dtype, long offset) throws RaggedFormatException {
    checkNotObject(resource, dtype);
    if (offset < 0 || offset > fileSize) {
      throw new RaggedFormatException(resource, "offset " + offset + " lies outside the file of " + fileSize
          + " bytes");
    }
    int itemSize = dtype.itemSize();
    if (itemSize == 0) {
      throw new RaggedFormatException(resource, "dtype " + NumpyDescr.toDescr(dtype) + " has no bytes per element");
    }
    long available = fileSize - offset;
    if (available % itemSize != 0) {
      throw new RaggedFormatException(resource, "the " + available + " bytes after offset " + offset + " are not a "
          + "whole number of " + itemSize + "-byte elements of dtype " + NumpyDescr.toDescr(dtype)
          + "; check options dtype and offset");
    }
    return new RaggedData(resource, dtype, offset, available / itemSize);
  }

  private static void checkNotObject(String resource, DType dtype) throws RaggedFormatException {
    if (dtype.containsObject()) {
      throw new RaggedFormatException(resource, "holds an object array (dtype " + NumpyDescr.toDescr(dtype)
          + "): its bytes are Python pointers, not data; save it with a fixed dtype");
    }
  }

  /** The file, as given; messages start with it. */
  public String resource() {
    return resource;
  }

  public DType dtype() {
    if (dtype == null) {
      dtype = NumpyDescr.parse(descr);
    }
    return dtype;
  }

  /** Bytes per element. */
  public int itemSize() {
    return dtype().itemSize();
  }

  /** Where element 0 starts in the file. */
  public long dataOffset() {
    return dataOffset;
  }

  /** The number of elements. */
  public long elements() {
    return elements;
  }

  /** Where element {@code element} starts in the file. */
  public long byteOffset(long element) {
    return dataOffset + element * itemSize();
  }

  @Override
  public String toString() {
    return "RaggedData[" + resource + ", " + descr + ", " + elements + " elements at " + dataOffset + "]";
  }
}
