package io.fathom.common.cli;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Locale;

/** Reads option values within bounds; every error names the flag, the value and the bound it broke. */
public final class OptionValues {

  private static final String UNITS = "kmg";

  private OptionValues() {}

  /** An integer in {@code min..max}. */
  public static long integer(String flag, String value, long min, long max) {
    long n;
    try {
      n = Long.parseLong(value.strip());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(flag + " must be an integer, got '" + value + "'");
    }
    if (n < min || n > max) {
      throw new IllegalArgumentException(flag + " must be in " + min + ".." + max + ", got " + n);
    }
    return n;
  }

  /** A number above {@code 0} and at most {@code max}. */
  public static double positive(String flag, String value, double max) {
    double d;
    try {
      d = Double.parseDouble(value.strip());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(flag + " must be a number, got '" + value + "'");
    }
    if (!(d > 0 && d <= max)) {
      throw new IllegalArgumentException(flag + " must be in (0, " + max + "], got " + value.strip());
    }
    return d;
  }

  /** Bytes in {@code min..max}: a count, or a number with {@code k}, {@code m} or {@code g} (powers of 1024). */
  public static long size(String flag, String value, long min, long max) {
    String v = value.strip().toLowerCase(Locale.ROOT);
    long unit = 1;
    if (!v.isEmpty() && UNITS.indexOf(v.charAt(v.length() - 1)) >= 0) {
      unit = 1L << (10 * (UNITS.indexOf(v.charAt(v.length() - 1)) + 1));
      v = v.substring(0, v.length() - 1);
    }
    long n;
    try {
      n = Long.parseLong(v);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(flag + " must be a size such as 512m, 2g or a byte count, got '" + value + "'");
    }
    if (n < 0 || n > max / unit || n * unit < min) {
      throw new IllegalArgumentException(flag + " must be in " + min + ".." + max + " bytes, got '" + value + "'");
    }
    return n * unit;
  }

  /**
   * A duration: {@code 90s}, {@code 10m}, {@code 2h}, {@code 500ms}, a bare number of seconds, or ISO-8601
   * ({@code PT10M}). Never negative; zero only when {@code zeroAllowed}.
   */
  public static Duration duration(String flag, String value, boolean zeroAllowed) {
    String v = value.strip().toLowerCase(Locale.ROOT);
    Duration d;
    try {
      if (v.startsWith("p")) {
        d = Duration.parse(v.toUpperCase(Locale.ROOT));
      } else if (v.endsWith("ms")) {
        d = Duration.ofMillis(Long.parseLong(v.substring(0, v.length() - 2)));
      } else if (v.endsWith("s") || v.endsWith("m") || v.endsWith("h")) {
        long n = Long.parseLong(v.substring(0, v.length() - 1));
        d = switch (v.charAt(v.length() - 1)) {
          case 's' -> Duration.ofSeconds(n);
          case 'm' -> Duration.ofMinutes(n);
          default -> Duration.ofHours(n);
        };
      } else {
        d = Duration.ofSeconds(Long.parseLong(v));
      }
    } catch (NumberFormatException | DateTimeParseException | ArithmeticException e) {
      throw new IllegalArgumentException(flag + " must be a duration such as 90s, 10m or PT10M, got '" + value + "'");
    }
    if (d.isNegative() || (d.isZero() && !zeroAllowed)) {
      throw new IllegalArgumentException(
          flag + " must be " + (zeroAllowed ? "zero or more" : "positive") + ", got '" + value + "'");
    }
    return d;
  }
}
