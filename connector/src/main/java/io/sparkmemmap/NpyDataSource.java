package io.sparkmemmap;

/**
 * The {@code npy} data source: {@code .npy} files, {@code .npz} archives, and directories or globs of them, read in
 * place as {@code np.load(f, mmap_mode='r')} would map them.
 */
public class NpyDataSource extends ArrayDataSource {
  public NpyDataSource() {
    super(ArrayFormat.NPY);
  }
}
