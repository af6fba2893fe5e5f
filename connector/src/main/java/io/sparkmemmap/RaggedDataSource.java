package io.sparkmemmap;

/**
 * The {@code ragged} data source: variable-length rows as NumPy users keep them, a flat {@code data.npy} and an
 * {@code index.npy} of {@code [start, length]} pairs or CSR offsets, read in place and written as one pair from a
 * distributed job.
 */
public class RaggedDataSource extends ArrayDataSource {
  public RaggedDataSource() {
    super(ArrayFormat.RAGGED);
  }
}
