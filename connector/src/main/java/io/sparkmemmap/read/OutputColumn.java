package io.sparkmemmap.read;

import java.io.Serializable;

/** One column of the batches a reader returns: array data read by a plan, or a hidden metadata column. */
record OutputColumn(Kind kind, ColumnPlan plan) implements Serializable {
  enum Kind {
    DATA, ROW_INDEX, FILE
  }

  static OutputColumn data(ColumnPlan plan) {
    return new OutputColumn(Kind.DATA, plan);
  }

  static OutputColumn metadata(Kind kind) {
    return new OutputColumn(kind, null);
  }
}
