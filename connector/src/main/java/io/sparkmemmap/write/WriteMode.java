package io.sparkmemmap.write;

/** What a write does to what is already at its path: Spark's save modes once the catalog has checked existence. */
public enum WriteMode {
  /** Nothing may be at the path when the job publishes (save modes errorifexists and ignore). */
  CREATE,
  /** Rows are added: parts to a directory, rows to a single file; a missing path is created. */
  APPEND,
  /** Whatever is at the path is replaced, atomically, when the job commits. */
  OVERWRITE
}
