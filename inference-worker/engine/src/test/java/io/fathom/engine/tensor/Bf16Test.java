package io.fathom.engine.tensor;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** bf16 against values worked out by hand from the bit layout (1 sign, 8 exponent, 7 mantissa bits). */
class Bf16Test {

  @ParameterizedTest(name = "0x{0} = {1}")
  @CsvSource({
    "3F80, 1.0", // exponent 127, mantissa 0
    "C000, -2.0", // sign, exponent 128
    "4049, 3.140625", // 2^1 · (1 + 73/128)
    "3E20, 0.15625", // 2^-3 · (1 + 32/128) = 0.125 · 1.25
    "0000, 0.0",
    "7F7F, 3.3895313892515355E38", // largest finite: 2^127 · (1 + 127/128)
    "0080, 1.1754943508222875E-38", // smallest normal 2^-126
    "0001, 9.183549615799121E-41", // smallest subnormal 2^-133
  })
  void widensByPlacingTheBitsOnTopOfAFloat32(String hex, double expected) {
    assertThat((double) Bf16.toFloat((short) Integer.parseInt(hex, 16))).isEqualTo(expected);
  }

  @Test
  void widensSpecialValues() {
    assertThat(Bf16.toFloat((short) 0x7F80)).isEqualTo(Float.POSITIVE_INFINITY);
    assertThat(Bf16.toFloat((short) 0xFF80)).isEqualTo(Float.NEGATIVE_INFINITY);
    assertThat(Bf16.toFloat((short) 0x7FC0)).isNaN();
    assertThat(Float.floatToRawIntBits(Bf16.toFloat((short) 0x8000))).isEqualTo(0x8000_0000);
  }

  @ParameterizedTest(name = "{0} -> 0x{1}")
  @CsvSource({
    "1.0, 3F80",
    "3.14159265, 4049", // 3.14159 lies between 3.140625 (0x4049) and 3.15625 (0x404A), nearer the first
    "1.00390625, 3F80", // exactly halfway between 0x3F80 and 0x3F81: ties to the even 0x3F80
    "1.01171875, 3F82", // exactly halfway between 0x3F81 and 0x3F82: ties to the even 0x3F82
    "1.005, 3F81", // above halfway: rounds up
    "-2.0, C000",
    "3.4E38, 7F80", // above the largest bf16 by more than half an ulp: overflows to infinity
  })
  void narrowsToTheNearestEvenPattern(float value, String expectedHex) {
    assertThat(Bf16.fromFloat(value) & 0xFFFF).isEqualTo(Integer.parseInt(expectedHex, 16));
  }

  @Test
  void narrowingKeepsNanAndRoundTripsEveryPattern() {
    assertThat(Bf16.toFloat(Bf16.fromFloat(Float.NaN))).isNaN();
    assertThat(Bf16.toFloat(Bf16.fromFloat(Float.intBitsToFloat(0x7F80_0001)))).isNaN(); // signalling, low payload
    for (int bits = 0; bits < 0x10000; bits++) {
      float value = Bf16.toFloat((short) bits);
      if (!Float.isNaN(value)) {
        assertThat(Bf16.fromFloat(value) & 0xFFFF).as("pattern %04x", bits).isEqualTo(bits);
      }
    }
  }
}
