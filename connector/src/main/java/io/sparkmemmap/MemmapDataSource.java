package io.sparkmemmap;

/**
 * The {@code memmap} data source: headerless binary files described by options ({@code dtype}, {@code shape},
 * {@code offset}, {@code order}), as {@code np.memmap(f, dtype, mode='r', offset, shape, order)} maps them.
 */
public class MemmapDataSource extends ArrayDataSource {
  public MemmapDataSource() {
    super(ArrayFormat.MEMMAP);
  }
}
