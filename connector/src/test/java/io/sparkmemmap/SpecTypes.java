package io.sparkmemmap;

import java.util.List;

/** The NumPy dtypes of the SPEC's type table, which the read and round-trip tests cover value for value. */
public final class SpecTypes {
  /**
   * Every scalar type of the table, without byte order (tests write the multi-byte ones in both), with units and
   * multiples for the temporal ones.
   */
  public static final List<String> SCALARS = List.of(
      "b1", "i1", "u1", "i2", "i4", "i8", "u2", "u4", "u8", "f2", "f4", "f8", "c8", "c16",
      "M8[Y]", "M8[M]", "M8[W]", "M8[D]", "M8[h]", "M8[m]", "M8[s]", "M8[ms]", "M8[us]", "M8[ns]", "M8[ps]",
      "M8[fs]", "M8[as]", "M8[10ms]", "M8[3D]",
      "m8[Y]", "m8[M]", "m8[W]", "m8[D]", "m8[h]", "m8[m]", "m8[s]", "m8[ms]", "m8[us]", "m8[ns]", "m8[ps]",
      "m8[fs]", "m8[as]", "m8[7s]",
      "S5", "U4", "V3");

  private SpecTypes() {}
}
