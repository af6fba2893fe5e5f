package io.sparkmemmap.format;

import java.nio.ByteOrder;

/** Byte order of a scalar type, with the character NumPy writes for it in a descr. */
public enum Endian {
  LITTLE('<'),
  BIG('>'),
  /** Single-byte kinds and byte strings, for which order has no meaning. */
  NOT_APPLICABLE('|');

  private final char symbol;

  Endian(char symbol) {
    this.symbol = symbol;
  }

  public char symbol() {
    return symbol;
  }

  /** The order {@code '='} stands for: this machine's. */
  public static Endian nativeOrder() {
    return ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN ? LITTLE : BIG;
  }

  /** The Java order to read values in; single-byte kinds read the same either way. */
  public ByteOrder byteOrder() {
    return this == BIG ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN;
  }
}
