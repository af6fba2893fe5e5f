package io.sparkmemmap.format.megatron;

/**
 * The token types of a Megatron-LM indexed dataset, by the one-byte code its {@code .idx} header stores (Megatron's
 * {@code DType} enum in {@code megatron/core/datasets/indexed_dataset.py}). The codes are not in size order, and 8
 * ({@code uint16}, what GPT tokenizers with fewer than 65536 tokens get) came last; they are fixed by files on disk.
 */
public enum MegatronDType {
  UINT8(1, 1, "|u1"),
  INT8(2, 1, "|i1"),
  INT16(3, 2, "<i2"),
  INT32(4, 4, "<i4"),
  INT64(5, 8, "<i8"),
  FLOAT64(6, 8, "<f8"),
  FLOAT32(7, 4, "<f4"),
  UINT16(8, 2, "<u2");

  private final int code;
  private final int itemSize;
  private final String numpyDescr;

  MegatronDType(int code, int itemSize, String numpyDescr) {
    this.code = code;
    this.itemSize = itemSize;
    this.numpyDescr = numpyDescr;
  }

  /** The code in the {@code .idx} header. */
  public int code() {
    return code;
  }

  /** Bytes per token in the {@code .bin} file. */
  public int itemSize() {
    return itemSize;
  }

  /**
   * The NumPy descr of a token in the {@code .bin} file: Megatron writes {@code .bin} with {@code tobytes(order='C')}
   * on the machine it runs on, little-endian in practice, and reads it back with {@code np.frombuffer} the same way.
   */
  public String numpyDescr() {
    return numpyDescr;
  }

  /**
   * The dtype with this header code.
   *
   * @throws IllegalArgumentException when no dtype has it; readers add the file
   */
  public static MegatronDType ofCode(int code) {
    for (MegatronDType dtype : values()) {
      if (dtype.code == code) {
        return dtype;
      }
    }
    throw new IllegalArgumentException("unknown Megatron dtype code " + code + " (known: 1 uint8, 2 int8, 3 int16, "
        + "4 int32, 5 int64, 6 float64, 7 float32, 8 uint16)");
  }
}
