package io.fathom.engine.cpu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.junit.jupiter.api.Test;

/** Zeroed off-heap buffers: mapped ones for large sizes, the arena's own for small ones; gone with the arena. */
class AnonymousMemoryTest {

  @Test
  void largeBuffersAreZeroedAlignedWritableAndUnmappedWithTheArena() {
    long bytes = (5L << 20) + 12345;
    MemorySegment kept;
    try (Arena arena = Arena.ofShared()) {
      MemorySegment m = AnonymousMemory.allocate(bytes, arena);
      kept = m;
      assertThat(m.byteSize()).isEqualTo(bytes);
      assertThat(m.address() % (2L << 20)).as("2 MiB aligned").isZero();
      for (long i = 0; i < bytes; i += 4093) {
        assertThat(m.get(ValueLayout.JAVA_BYTE, i)).isZero();
      }
      m.set(ValueLayout.JAVA_LONG_UNALIGNED, bytes - 8, -1L);
      assertThat(m.get(ValueLayout.JAVA_LONG_UNALIGNED, bytes - 8)).isEqualTo(-1L);
    }
    assertThatThrownBy(() -> kept.get(ValueLayout.JAVA_BYTE, 0)).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void smallBuffersComeFromTheArena() {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment m = AnonymousMemory.allocate(1000, arena);
      assertThat(m.byteSize()).isEqualTo(1000);
      assertThat(m.address() % 64).isZero();
      assertThat(m.get(ValueLayout.JAVA_BYTE, 999)).isZero();
      assertThat(AnonymousMemory.allocate(0, arena).byteSize()).isZero();
    }
  }
}
