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

  private MetadataColumns() {}

  /** Both hidden columns, for {@code SupportsMetadataColumns}. */
  public static MetadataColumn[] all() {
    return new MetadataColumn[] {
        column(ROW_INDEX, DataTypes.LongType, "index of the row along axis 0 within its file"),
        column(FILE, DataTypes.StringType, "URI of the file the row was read from")};
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
