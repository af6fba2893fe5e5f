package io.sparkmemmap.write;

import org.apache.hadoop.fs.Path;

/** {@code length} bytes of {@code file} from {@code offset}: the rows of a staged part, or of an existing array. */
record ByteRange(Path file, long offset, long length) {}
