package io.sparkmemmap.read;

import java.io.Serializable;

/** What one column of a records scan holds. */
record RecordOutput(Kind kind, int indexColumn) implements Serializable {
  enum Kind {
    /** The record's elements, read from the data file. */
    ELEMENTS,
    /** A column of the index ({@link RecordIndex#indexColumns}), {@link #indexColumn} by position there. */
    INDEX,
    /** The record's length, from the index. */
    LENGTH,
    ROW_INDEX,
    FILE
  }

  static RecordOutput of(Kind kind) {
    return new RecordOutput(kind, -1);
  }
}
