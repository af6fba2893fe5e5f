/**
 * The NumPy file formats, free of Spark: the dtype model, the descr parser and printer, {@code .npy} headers and
 * the {@code .npz} (zip) directory. Everything here can be read and tested on its own.
 */
package io.sparkmemmap.format;
