/**
 * Ragged arrays (issue 15), free of Spark: variable-length rows stored as NumPy users store them, one flat data array
 * ({@link io.sparkmemmap.format.ragged.RaggedData}: a 1-D {@code .npy} or a raw file described by dtype and offset)
 * and an index of {@code [start, length]} pairs or CSR offsets
 * ({@link io.sparkmemmap.format.ragged.RaggedIndex}), read a slice at a time and validated against the data in
 * bounded chunks.
 */
package io.sparkmemmap.format.ragged;
