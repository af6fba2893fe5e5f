package io.sparkmemmap.format;

import java.util.Arrays;

/**
 * An array shape: dimensions in C order of axes. Immutable; element counts are computed in {@code long} and an
 * overflow is an error, so a header that claims 2^62 elements never decides an allocation.
 */
public final class Shape implements java.io.Serializable {
  private static final long serialVersionUID = 1L;
  private static final Shape SCALAR = new Shape(new long[0]);

  private final long[] dims;

  private Shape(long[] dims) {
    this.dims = dims;
  }

  public static Shape of(long... dims) {
    if (dims.length == 0) {
      return SCALAR;
    }
    for (long d : dims) {
      if (d < 0) {
        throw new IllegalArgumentException("negative dimension in shape " + toTuple(dims));
      }
    }
    Shape shape = new Shape(dims.clone());
    shape.elementCount(); // refuse shapes whose size does not fit in a long
    return shape;
  }

  public static Shape scalar() {
    return SCALAR;
  }

  public int rank() {
    return dims.length;
  }

  public long dim(int axis) {
    return dims[axis];
  }

  public long[] dims() {
    return dims.clone();
  }

  /** Number of elements; 1 for a 0-d shape. */
  public long elementCount() {
    long n = 1;
    for (long d : dims) {
      try {
        n = Math.multiplyExact(n, d);
      } catch (ArithmeticException e) {
        throw new IllegalArgumentException("shape " + this + " has more elements than a long can count", e);
      }
    }
    return n;
  }

  /** Number of bytes for elements of {@code itemSize} bytes; an overflow is an error. */
  public long byteCount(long itemSize) {
    try {
      return Math.multiplyExact(elementCount(), itemSize);
    } catch (ArithmeticException e) {
      throw new IllegalArgumentException("shape " + this + " of " + itemSize + "-byte items overflows a long", e);
    }
  }

  /** The shape without axis 0: the shape of one row. A 0-d or 1-D shape gives the 0-d shape. */
  public Shape trailing() {
    return dims.length <= 1 ? SCALAR : new Shape(Arrays.copyOfRange(dims, 1, dims.length));
  }

  /** The same shape with axis 0 replaced, as when rows are appended. */
  public Shape withFirstDim(long rows) {
    if (dims.length == 0) {
      throw new IllegalArgumentException("a 0-d shape has no axis 0");
    }
    long[] copy = dims.clone();
    copy[0] = rows;
    return of(copy);
  }

  /** This shape as NumPy prints it in a header: {@code ()}, {@code (5,)}, {@code (3, 4)}. */
  @Override
  public String toString() {
    return toTuple(dims);
  }

  private static String toTuple(long[] dims) {
    if (dims.length == 1) {
      return "(" + dims[0] + ",)";
    }
    StringBuilder sb = new StringBuilder("(");
    for (int i = 0; i < dims.length; i++) {
      if (i > 0) {
        sb.append(", ");
      }
      sb.append(dims[i]);
    }
    return sb.append(')').toString();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Shape other && Arrays.equals(dims, other.dims);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(dims);
  }
}
