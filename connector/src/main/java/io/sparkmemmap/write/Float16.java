package io.sparkmemmap.write;

/**
 * IEEE binary16 from a double, rounded to nearest even in one step as NumPy's {@code astype(np.float16)} does
 * (rounding through float first would round twice). Java 17 has no {@code Float.floatToFloat16}.
 */
final class Float16 {
  private static final long DOUBLE_MANTISSA_MASK = (1L << 52) - 1;

  private Float16() {}

  /** The binary16 bits of {@code value}; NaN keeps its sign and the top of its payload, and stays a NaN. */
  static short fromDouble(double value) {
    long bits = Double.doubleToRawLongBits(value);
    int sign = (int) (bits >>> 48) & 0x8000;
    int exponent = (int) ((bits >>> 52) & 0x7FF);
    long mantissa = bits & DOUBLE_MANTISSA_MASK;
    if (exponent == 0x7FF) {
      if (mantissa == 0) {
        return (short) (sign | 0x7C00);
      }
      int payload = (int) (mantissa >>> 42);
      return (short) (sign | 0x7C00 | (payload == 0 ? 0x200 : payload));
    }
    if (exponent == 0) {
      return (short) sign; // double subnormals are far below half's smallest subnormal
    }
    int unbiased = exponent - 1023;
    long full = mantissa | (1L << 52);
    int result;
    if (unbiased > 15) {
      result = 0x7C00;
    } else if (unbiased >= -14) {
      // 11 significant bits; a carry out of the mantissa moves into the exponent, up to infinity
      result = ((unbiased + 14) << 10) + (int) roundHalfEven(full, 42);
      result = Math.min(result, 0x7C00);
    } else {
      int shift = 28 - unbiased; // value / 2^-24 = full * 2^(unbiased - 28)
      result = shift > 63 ? 0 : (int) roundHalfEven(full, shift);
    }
    return (short) (sign | result);
  }

  private static long roundHalfEven(long value, int shift) {
    long quotient = value >>> shift;
    long remainder = value & ((1L << shift) - 1);
    long half = 1L << (shift - 1);
    if (remainder > half || (remainder == half && (quotient & 1) == 1)) {
      quotient++;
    }
    return quotient;
  }
}
