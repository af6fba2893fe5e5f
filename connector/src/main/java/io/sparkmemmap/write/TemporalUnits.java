package io.sparkmemmap.write;

import io.sparkmemmap.format.DateUnit;
import io.sparkmemmap.format.ScalarDType;
import java.time.LocalDate;

/**
 * Spark's temporal values as counts of a datetime64/timedelta64 unit, floored as NumPy's {@code astype} floors.
 * Overflow is an {@link ArithmeticException} for the caller to name the column in.
 */
final class TemporalUnits {
  private static final long MICROS_PER_DAY = 86_400_000_000L;

  private TemporalUnits() {}

  /** A Spark date (days since 1970-01-01) as a count of {@code target}'s unit. */
  static long fromEpochDays(int days, ScalarDType target) {
    return Math.floorDiv(daysToUnit(days, target.unit()), target.unitMultiplier());
  }

  /** Spark microseconds (timestamp or day-time interval) as a count of {@code target}'s unit. */
  static long fromMicros(long micros, ScalarDType target) {
    DateUnit unit = target.unit();
    long count = unit.isCalendarMonths()
        ? daysToUnit(Math.floorDiv(micros, MICROS_PER_DAY), unit)
        : microsToUnit(micros, unit);
    return Math.floorDiv(count, target.unitMultiplier());
  }

  /** Spark months (year-month interval) as a count of {@code target}'s unit, which is years or months. */
  static long fromMonths(int months, ScalarDType target) {
    long count = target.unit() == DateUnit.YEAR ? Math.floorDiv(months, 12) : months;
    return Math.floorDiv(count, target.unitMultiplier());
  }

  private static long daysToUnit(long days, DateUnit unit) {
    switch (unit) {
      case YEAR:
        return LocalDate.ofEpochDay(days).getYear() - 1970L;
      case MONTH:
        LocalDate date = LocalDate.ofEpochDay(days);
        return (date.getYear() - 1970L) * 12 + date.getMonthValue() - 1;
      case WEEK:
        return Math.floorDiv(days, 7L);
      case DAY:
        return days;
      default:
        return microsToUnit(Math.multiplyExact(days, MICROS_PER_DAY), unit);
    }
  }

  private static long microsToUnit(long micros, DateUnit unit) {
    return switch (unit) {
      case WEEK -> Math.floorDiv(micros, 7 * MICROS_PER_DAY);
      case DAY -> Math.floorDiv(micros, MICROS_PER_DAY);
      case HOUR -> Math.floorDiv(micros, 3_600_000_000L);
      case MINUTE -> Math.floorDiv(micros, 60_000_000L);
      case SECOND -> Math.floorDiv(micros, 1_000_000L);
      case MILLISECOND -> Math.floorDiv(micros, 1_000L);
      case MICROSECOND -> micros;
      case NANOSECOND -> Math.multiplyExact(micros, 1_000L);
      case PICOSECOND -> Math.multiplyExact(micros, 1_000_000L);
      case FEMTOSECOND -> Math.multiplyExact(micros, 1_000_000_000L);
      case ATTOSECOND -> Math.multiplyExact(micros, 1_000_000_000_000L);
      default -> throw new IllegalArgumentException("datetime unit '" + unit.symbol() + "' has no fixed length");
    };
  }
}
