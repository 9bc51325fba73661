package io.fathom.engine.tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Optional;

/** The element types the engine reads from checkpoints, named as safetensors names them. */
public enum DType {
  BF16(2),
  F16(2),
  F32(4);

  private static final ValueLayout.OfShort SHORT_LE = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
  private static final ValueLayout.OfFloat FLOAT_LE = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

  private final int bytes;

  DType(int bytes) {
    this.bytes = bytes;
  }

  /** Bytes per element. */
  public int bytes() {
    return bytes;
  }

  /** The type a safetensors header names ({@code "BF16"}, {@code "F16"}, {@code "F32"}), if the engine supports it. */
  public static Optional<DType> fromSafetensors(String name) {
    for (DType t : values()) {
      if (t.name().equals(name)) {
        return Optional.of(t);
      }
    }
    return Optional.empty();
  }

  /** Element {@code index} of little-endian data of this type, as a float (scalar path; kernels vectorise). */
  public float read(MemorySegment data, long index) {
    return switch (this) {
      case BF16 -> Bf16.toFloat(data.get(SHORT_LE, index * 2));
      case F16 -> Float.float16ToFloat(data.get(SHORT_LE, index * 2));
      case F32 -> data.get(FLOAT_LE, index * 4);
    };
  }

  /** Elements {@code from .. from + count - 1} of little-endian data of this type as floats into {@code dst}. */
  public void readFloats(MemorySegment data, long from, float[] dst, int count) {
    switch (this) {
      case BF16 -> {
        for (int i = 0; i < count; i++) {
          dst[i] = Bf16.toFloat(data.get(SHORT_LE, (from + i) * 2));
        }
      }
      case F16 -> {
        for (int i = 0; i < count; i++) {
          dst[i] = Float.float16ToFloat(data.get(SHORT_LE, (from + i) * 2));
        }
      }
      case F32 -> MemorySegment.copy(data, FLOAT_LE, from * 4, dst, 0, count);
    }
  }

  /** Stores {@code value} as element {@code index}, rounding to nearest-even for the 16-bit types. */
  public void write(MemorySegment data, long index, float value) {
    switch (this) {
      case BF16 -> data.set(SHORT_LE, index * 2, Bf16.fromFloat(value));
      case F16 -> data.set(SHORT_LE, index * 2, Float.floatToFloat16(value));
      case F32 -> data.set(FLOAT_LE, index * 4, value);
    }
  }
}
