package io.fathom.engine.tensor;

/**
 * bfloat16: the upper 16 bits of an IEEE-754 float32 (1 sign, 8 exponent, 7 mantissa bits). Widening is
 * exact; narrowing rounds to nearest, ties to even, and keeps NaN a NaN.
 */
public final class Bf16 {

  private Bf16() {}

  /** The float32 value of the bf16 bit pattern {@code bits}. */
  public static float toFloat(short bits) {
    return Float.intBitsToFloat((bits & 0xFFFF) << 16);
  }

  /** The bf16 bit pattern nearest to {@code value} (ties to even); NaN stays a quiet NaN with its sign. */
  public static short fromFloat(float value) {
    int bits = Float.floatToRawIntBits(value);
    if ((bits & 0x7FFF_FFFF) > 0x7F80_0000) {
      return (short) ((bits >>> 16) | 0x0040);
    }
    int roundingBias = 0x7FFF + ((bits >>> 16) & 1);
    return (short) ((bits + roundingBias) >>> 16);
  }
}
