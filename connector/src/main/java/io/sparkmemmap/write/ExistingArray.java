package io.sparkmemmap.write;

import io.sparkmemmap.format.DType;
import io.sparkmemmap.format.Shape;

/**
 * The array an append adds rows to: its dtype and row shape are what the new rows must have.
 *
 * @param resource the file, for messages
 */
record ExistingArray(DType dtype, Shape rowShape, String resource) {}
