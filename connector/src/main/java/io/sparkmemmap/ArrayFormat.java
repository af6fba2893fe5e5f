package io.sparkmemmap;

import java.util.Locale;

/** The two data source names of the connector and what distinguishes their files. */
public enum ArrayFormat {
  /** {@code .npy} files and {@code .npz} archives: the array is described by each file's header. */
  NPY("npy", ".npy"),
  /** Headerless binary files as {@code np.memmap} maps them: the array is described by options. */
  MEMMAP("memmap", ".dat");

  private final String shortName;
  private final String fileSuffix;

  ArrayFormat(String shortName, String fileSuffix) {
    this.shortName = shortName;
    this.fileSuffix = fileSuffix;
  }

  /** The name users give {@code spark.read.format(...)}. */
  public String shortName() {
    return shortName;
  }

  /** The suffix of the files a directory of this format is read from. */
  public String fileSuffix() {
    return fileSuffix;
  }

  @Override
  public String toString() {
    return shortName.toUpperCase(Locale.ROOT);
  }
}
