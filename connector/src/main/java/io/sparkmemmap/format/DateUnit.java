package io.sparkmemmap.format;

/**
 * The units of {@code datetime64} and {@code timedelta64}. Values are int64 counts of (unit x multiplier) since
 * 1970-01-01T00:00 (or durations); {@link Long#MIN_VALUE} is NaT.
 */
public enum DateUnit {
  YEAR("Y", 0),
  MONTH("M", 0),
  WEEK("W", 7L * 86_400_000_000L),
  DAY("D", 86_400_000_000L),
  HOUR("h", 3_600_000_000L),
  MINUTE("m", 60_000_000L),
  SECOND("s", 1_000_000L),
  MILLISECOND("ms", 1_000L),
  MICROSECOND("us", 1L),
  NANOSECOND("ns", -1_000L),
  PICOSECOND("ps", -1_000_000L),
  FEMTOSECOND("fs", -1_000_000_000L),
  ATTOSECOND("as", -1_000_000_000_000L),
  /** {@code M8} without a unit: numpy's generic datetime, which holds no data but NaT. */
  GENERIC("", 0);

  private final String symbol;
  /** Microseconds per unit when positive; minus the units per microsecond when negative; 0 for calendar units. */
  private final long micros;

  DateUnit(String symbol, long micros) {
    this.symbol = symbol;
    this.micros = micros;
  }

  public String symbol() {
    return symbol;
  }

  public static DateUnit fromSymbol(String symbol) {
    for (DateUnit unit : values()) {
      if (unit.symbol.equals(symbol)) {
        return unit;
      }
    }
    throw new IllegalArgumentException("unknown datetime unit '" + symbol + "'");
  }

  /** Units that are whole days or longer read as Spark dates. */
  public boolean isCalendarDate() {
    return this == YEAR || this == MONTH || this == WEEK || this == DAY;
  }

  /** Years and months have no fixed length in microseconds. */
  public boolean isCalendarMonths() {
    return this == YEAR || this == MONTH;
  }

  /**
   * Microseconds in {@code count} units of {@code multiplier}, floored as NumPy's {@code astype('M8[us]')} floors,
   * or an error for years and months, whose length varies.
   */
  public long toMicros(long count, long multiplier) {
    if (micros == 0) {
      throw new IllegalArgumentException("datetime unit '" + symbol + "' has no fixed length in microseconds");
    }
    long units = Math.multiplyExact(count, multiplier);
    return micros > 0 ? Math.multiplyExact(units, micros) : Math.floorDiv(units, -micros);
  }
}
