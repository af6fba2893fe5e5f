package io.sparkmemmap.read;

import org.apache.spark.sql.connector.catalog.MetadataColumn;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;

/** The hidden columns of a read, returned only when selected. */
public final class MetadataColumns {
  /** The row's index along axis 0 within its file (the element index in the flat layout). */
  public static final String ROW_INDEX = "_row_index";
  /** The URI of the row's file. */
  public static final String FILE = "_file";
  /** The number of elements of a variable-length record, from its index alone. */
  public static final String LENGTH = "_length";

  private MetadataColumns() {}

  /** Both hidden columns, for {@code SupportsMetadataColumns}. */
  public static MetadataColumn[] all() {
    return new MetadataColumn[] {
        column(ROW_INDEX, DataTypes.LongType, "index of the row along axis 0 within its file"),
        column(FILE, DataTypes.StringType, "URI of the file the row was read from")};
  }

  /** The hidden columns of variable-length records: both above, and the record's length. */
  public static MetadataColumn[] records() {
    MetadataColumn[] fixed = all();
    MetadataColumn[] result = java.util.Arrays.copyOf(fixed, fixed.length + 1);
    result[fixed.length] = column(LENGTH, DataTypes.IntegerType,
        "number of elements of the record, read from the index alone");
    return result;
  }

  static boolean isMetadataColumn(String name) {
    return ROW_INDEX.equals(name) || FILE.equals(name);
  }

  private static MetadataColumn column(String name, DataType type, String comment) {
    return new MetadataColumn() {
      @Override
      public String name() {
        return name;
      }

      @Override
      public DataType dataType() {
        return type;
      }

      @Override
      public boolean isNullable() {
        return false;
      }

      @Override
      public String comment() {
        return comment;
      }
    };
  }
}
