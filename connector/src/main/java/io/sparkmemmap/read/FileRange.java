package io.sparkmemmap.read;

import java.io.Serializable;

/** Rows {@code [fromRow, toRow)} of one input array: the unit of planning. */
record FileRange(ArrayFile file, long fromRow, long toRow) implements Serializable {
  long rows() {
    return toRow - fromRow;
  }
}
