package io.fathom.engine.cpu;

import static org.assertj.core.api.Assertions.assertThat;

import io.fathom.engine.tensor.Bf16;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import org.junit.jupiter.api.Test;

/** The vectorised widening of every 16-bit pattern against the scalar definitions. */
class WeightVectorsTest {

  private static final ValueLayout.OfShort SHORT_LE = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

  @Test
  void widensEveryF16AndBf16PatternExactly() {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment all = arena.allocate(0x10000 * 2L + 1).asSlice(1); // odd address: loads must not need alignment
      for (int bits = 0; bits < 0x10000; bits++) {
        all.set(SHORT_LE, bits * 2L, (short) bits);
      }
      float[] lanes = new float[WeightVectors.LANES];
      for (int first = 0; first < 0x10000; first += WeightVectors.LANES) {
        WeightVectors.f16(all, first * 2L).intoArray(lanes, 0);
        for (int i = 0; i < lanes.length; i++) {
          assertSameFloat(lanes[i], Float.float16ToFloat((short) (first + i)), first + i);
        }
        FloatVector bf16 = WeightVectors.bf16(all, first * 2L);
        bf16.intoArray(lanes, 0);
        for (int i = 0; i < lanes.length; i++) {
          assertSameFloat(lanes[i], Bf16.toFloat((short) (first + i)), first + i);
        }
      }
    }
  }

  private static void assertSameFloat(float actual, float expected, int pattern) {
    if (Float.isNaN(expected)) {
      assertThat(actual).as("pattern %04x", pattern).isNaN();
    } else {
      assertThat(Float.floatToRawIntBits(actual)).as("pattern %04x", pattern).isEqualTo(Float.floatToRawIntBits(expected));
    }
  }
}
