package io.sparkmemmap;

import java.util.Locale;

/** The data source names of the connector and what distinguishes their files. */
public enum ArrayFormat {
  /** {@code .npy} files and {@code .npz} archives: the array is described by each file's header. */
  NPY("npy", ".npy", false),
  /** Headerless binary files as {@code np.memmap} maps them: the array is described by options. */
  MEMMAP("memmap", ".dat", false),
  /**
   * Megatron-LM indexed datasets: a {@code .bin} of sequences back to back and a {@code .idx} of their lengths,
   * addressed by their common prefix; a directory is read as the pairs of its {@code .idx} files.
   */
  MEGATRON("megatron", ".idx", true),
  /**
   * Ragged arrays as NumPy users keep them: a directory holding a 1-D {@code data.npy} and an {@code index.npy} of
   * {@code [start, length]} pairs or CSR offsets, or a data file with option {@code index}.
   */
  RAGGED("ragged", ".npy", true);

  private final String shortName;
  private final String fileSuffix;
  private final boolean records;

  ArrayFormat(String shortName, String fileSuffix, boolean records) {
    this.shortName = shortName;
    this.fileSuffix = fileSuffix;
    this.records = records;
  }

  /** The name users give {@code spark.read.format(...)}. */
  public String shortName() {
    return shortName;
  }

  /** The suffix of the files a directory of this format is read from. */
  public String fileSuffix() {
    return fileSuffix;
  }

  /**
   * Whether rows are variable-length records (a flat data file and an index of where each record lies), read by
   * the records layer ({@code io.sparkmemmap.read.RecordDataset}), rather than rows of one fixed-shape array.
   */
  public boolean records() {
    return records;
  }

  /** The format of a short name, case-insensitively; {@code NPY} for a name that is none of them. */
  public static ArrayFormat ofShortName(String name) {
    for (ArrayFormat format : values()) {
      if (format.shortName.equalsIgnoreCase(name)) {
        return format;
      }
    }
    return NPY;
  }

  @Override
  public String toString() {
    return shortName.toUpperCase(Locale.ROOT);
  }
}
