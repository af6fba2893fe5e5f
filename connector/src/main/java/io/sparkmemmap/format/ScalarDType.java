package io.sparkmemmap.format;

/**
 * A non-structured NumPy type such as {@code <f4}, {@code >i8}, {@code |S16}, {@code <U8} or {@code <M8[10ms]}.
 *
 * @param kind the kind character ({@code dtype.kind})
 * @param endian byte order; {@link Endian#NOT_APPLICABLE} for single-byte kinds, {@code S}, {@code V} and {@code O}
 * @param itemSize bytes per element; for {@code U<n>} this is {@code 4 * n}
 * @param unit datetime/timedelta unit, {@code null} for other kinds
 * @param unitMultiplier the {@code 10} of {@code M8[10ms]}; 1 when absent or not temporal
 */
public record ScalarDType(DTypeKind kind, Endian endian, int itemSize, DateUnit unit, long unitMultiplier)
    implements DType {

  public ScalarDType {
    if (itemSize < 0) {
      throw new IllegalArgumentException("negative item size " + itemSize);
    }
    if (kind.isTemporal() != (unit != null)) {
      throw new IllegalArgumentException("a datetime unit belongs to datetime64/timedelta64 only");
    }
    if (unitMultiplier < 1) {
      throw new IllegalArgumentException("datetime unit multiplier must be positive: " + unitMultiplier);
    }
    if (unit == DateUnit.GENERIC && unitMultiplier != 1) {
      // numpy has no such type, and its descr ('<M8') could not say the multiplier
      throw new IllegalArgumentException("the generic datetime unit takes no multiplier: " + unitMultiplier);
    }
    if (kind == DTypeKind.UNICODE && itemSize % 4 != 0) {
      throw new IllegalArgumentException("a unicode type holds 4 bytes per character, not " + itemSize + " bytes");
    }
    if (!kind.isFlexible() && !hasFixedSize(kind, itemSize)) {
      throw new IllegalArgumentException("numpy has no " + itemSize + "-byte type of kind '" + kind.code() + "'");
    }
    if (itemSize <= 1 && kind != DTypeKind.UNICODE) {
      endian = Endian.NOT_APPLICABLE;
    } else if (kind == DTypeKind.BYTES || kind == DTypeKind.VOID || kind == DTypeKind.OBJECT) {
      endian = Endian.NOT_APPLICABLE;
    } else if (endian == Endian.NOT_APPLICABLE) {
      // numpy reads '|' on a multi-byte number as native order
      endian = Endian.nativeOrder();
    }
  }

  /** The Python object type {@code |O}: a pointer, meaningless outside the process that wrote it. */
  public static ScalarDType object() {
    return new ScalarDType(DTypeKind.OBJECT, Endian.NOT_APPLICABLE, 8, null, 1);
  }

  /**
   * Sizes numpy defines for the fixed-size kinds on the platforms it writes files on. Long double ({@code f16},
   * {@code c32}) is left out on purpose: its bytes are an x87 80-bit value on one platform and an IEEE quad on
   * another, so a file does not say what it holds.
   */
  private static boolean hasFixedSize(DTypeKind kind, int itemSize) {
    return switch (kind) {
      case BOOL -> itemSize == 1;
      case INT, UINT -> itemSize == 1 || itemSize == 2 || itemSize == 4 || itemSize == 8;
      case FLOAT -> itemSize == 2 || itemSize == 4 || itemSize == 8;
      case COMPLEX -> itemSize == 8 || itemSize == 16;
      case DATETIME, TIMEDELTA, OBJECT -> itemSize == 8;
      case BYTES, UNICODE, VOID -> true;
    };
  }

  /** A non-temporal scalar type. */
  public static ScalarDType of(DTypeKind kind, Endian endian, int itemSize) {
    return new ScalarDType(kind, endian, itemSize, null, 1);
  }

  public static ScalarDType datetime(DTypeKind kind, Endian endian, DateUnit unit, long multiplier) {
    return new ScalarDType(kind, endian, 8, unit, multiplier);
  }

  /** Characters of a {@code U<n>} type, bytes of the others: the number numpy writes after the kind. */
  public int descrSize() {
    return kind == DTypeKind.UNICODE ? itemSize / 4 : itemSize;
  }

  @Override
  public boolean containsObject() {
    return kind == DTypeKind.OBJECT;
  }

  /** The type with another byte order, as {@code dtype.newbyteorder()}; single-byte types are unchanged. */
  public ScalarDType withEndian(Endian newEndian) {
    return new ScalarDType(kind, newEndian, itemSize, unit, unitMultiplier);
  }

  /** The descr numpy writes for this type, unquoted: {@code <f4}, {@code |S16}, {@code <M8[10ms]}, {@code |O}. */
  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder().append(endian.symbol()).append(kind.code());
    if (kind == DTypeKind.OBJECT) {
      return sb.toString();
    }
    if (kind.isTemporal()) {
      sb.append('8');
      if (unit != DateUnit.GENERIC) {
        sb.append('[');
        if (unitMultiplier != 1) {
          sb.append(unitMultiplier);
        }
        sb.append(unit.symbol()).append(']');
      }
    } else {
      sb.append(descrSize());
    }
    return sb.toString();
  }
}
