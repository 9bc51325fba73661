package io.fathom.protocol.template;

import java.math.BigDecimal;
import java.math.RoundingMode;

/** Python's {@code repr(float)} as {@code json.dumps} writes it (shortest round-trip digits). */
final class PyFloat {

  private PyFloat() {}

  /**
   * The text of {@code value}: {@code 1.0}, {@code 0.1}, {@code 1e+16}, {@code 1e-05}, {@code -0.0}; NaN and the
   * infinities as {@code NaN}, {@code Infinity}, {@code -Infinity} (json.dumps' default allow_nan).
   */
  static String repr(double value) {
    if (Double.isNaN(value)) {
      return "NaN";
    }
    if (Double.isInfinite(value)) {
      return value > 0 ? "Infinity" : "-Infinity";
    }
    if (value == 0) {
      return (Double.doubleToRawLongBits(value) < 0) ? "-0.0" : "0.0";
    }
    // Double.toString gives the shortest decimal that rounds back to the value (JDK 19+), as Python's repr.
    BigDecimal exact = new BigDecimal(Double.toString(Math.abs(value))).stripTrailingZeros();
    String digits = exact.unscaledValue().toString();
    // value = 0.digits × 10^decpt
    int decpt = digits.length() - exact.scale();
    if (digits.length() == 2) {
      // Double.toString never gives fewer than 2 digits (4.9E-324); Python takes a 1-digit decimal when one rounds back.
      BigDecimal oneDigit = shortestOneDigit(exact, Math.abs(value));
      if (oneDigit != null) {
        digits = oneDigit.unscaledValue().toString();
        decpt = digits.length() - oneDigit.scale();
      }
    }
    StringBuilder out = new StringBuilder(digits.length() + 8);
    if (value < 0) {
      out.append('-');
    }
    if (decpt <= -4 || decpt > 16) {
      out.append(digits.charAt(0));
      if (digits.length() > 1) {
        out.append('.').append(digits, 1, digits.length());
      }
      int exponent = decpt - 1;
      out.append('e').append(exponent < 0 ? '-' : '+');
      int abs = Math.abs(exponent);
      if (abs < 10) {
        out.append('0');
      }
      out.append(abs);
    } else if (decpt <= 0) {
      out.append("0.").append("0".repeat(-decpt)).append(digits);
    } else if (decpt < digits.length()) {
      out.append(digits, 0, decpt).append('.').append(digits, decpt, digits.length());
    } else {
      out.append(digits).append("0".repeat(decpt - digits.length())).append(".0");
    }
    return out.toString();
  }

  /** The 1-digit decimal closest to {@code exact} that parses back to {@code value}, or null if none does. */
  private static BigDecimal shortestOneDigit(BigDecimal exact, double value) {
    int scale = exact.scale() - 1;
    BigDecimal down = exact.setScale(scale, RoundingMode.FLOOR).stripTrailingZeros();
    BigDecimal up = exact.setScale(scale, RoundingMode.CEILING).stripTrailingZeros();
    boolean downOk = down.signum() > 0 && down.doubleValue() == value;
    boolean upOk = up.doubleValue() == value;
    if (downOk && upOk) {
      return exact.subtract(down).compareTo(up.subtract(exact)) <= 0 ? down : up;
    }
    return downOk ? down : upOk ? up : null;
  }
}
