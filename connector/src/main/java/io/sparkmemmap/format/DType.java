package io.sparkmemmap.format;

/**
 * A NumPy data type: the layout of one element of an array. Either a {@link ScalarDType} (one number, date, string
 * or opaque blob) or a {@link StructDType} (named fields at fixed byte offsets). Serializable: headers read by
 * executors come back to the driver as facts.
 */
public sealed interface DType extends java.io.Serializable permits ScalarDType, StructDType {

  /** Bytes one element occupies, as numpy's {@code dtype.itemsize}. */
  int itemSize();

  /** True when this type, or any type nested in it, is the Python object type, which has no byte representation. */
  boolean containsObject();
}
