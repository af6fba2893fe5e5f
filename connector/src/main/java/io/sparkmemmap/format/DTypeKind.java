package io.sparkmemmap.format;

/** The kinds of scalar NumPy types, by the character of {@code dtype.kind}. */
public enum DTypeKind {
  BOOL('b'),
  INT('i'),
  UINT('u'),
  FLOAT('f'),
  COMPLEX('c'),
  BYTES('S'),
  UNICODE('U'),
  VOID('V'),
  DATETIME('M'),
  TIMEDELTA('m'),
  OBJECT('O');

  private final char code;

  DTypeKind(char code) {
    this.code = code;
  }

  public char code() {
    return code;
  }

  public static DTypeKind fromCode(char code) {
    for (DTypeKind kind : values()) {
      if (kind.code == code) {
        return kind;
      }
    }
    throw new IllegalArgumentException("unknown dtype kind '" + code + "'");
  }

  /** Whether the size in a descr counts characters or bytes of a flexible (string or void) type. */
  public boolean isFlexible() {
    return this == BYTES || this == UNICODE || this == VOID;
  }

  public boolean isTemporal() {
    return this == DATETIME || this == TIMEDELTA;
  }
}
