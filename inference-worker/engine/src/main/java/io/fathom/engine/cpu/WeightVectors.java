package io.fathom.engine.cpu;

import io.fathom.engine.tensor.DType;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * Loads a vector's worth of little-endian weights of any supported dtype as f32 lanes. The 16-bit types
 * are widened with integer operations only (exact): bf16 by a shift, f16 by moving its exponent and
 * mantissa into float32 position and rescaling by 2^112, which also handles subnormals.
 */
final class WeightVectors {

  static final VectorSpecies<Float> F32 = FloatVector.SPECIES_PREFERRED;
  static final int LANES = F32.length();
  private static final VectorSpecies<Integer> I32 = IntVector.SPECIES_PREFERRED;
  private static final VectorSpecies<Short> HALF =
      VectorSpecies.of(short.class, VectorShape.forBitSize(F32.vectorBitSize() / 2));
  private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
  private static final float F16_EXPONENT_REBIAS = 0x1p112f;

  private WeightVectors() {}

  /** {@link #LANES} elements of {@code dtype} starting at element {@code index} of {@code data}. */
  static FloatVector load(DType dtype, MemorySegment data, long index) {
    return switch (dtype) {
      case BF16 -> bf16(data, index * 2);
      case F16 -> f16(data, index * 2);
      case F32 -> f32(data, index * 4);
    };
  }

  static FloatVector f32(MemorySegment data, long byteOffset) {
    return FloatVector.fromMemorySegment(F32, data, byteOffset, LE);
  }

  static FloatVector bf16(MemorySegment data, long byteOffset) {
    return bf16Bits(widen(data, byteOffset));
  }

  static FloatVector f16(MemorySegment data, long byteOffset) {
    return f16Bits(widen(data, byteOffset));
  }

  /** The 16-bit patterns at {@code byteOffset}, sign-extended into int lanes. */
  private static IntVector widen(MemorySegment data, long byteOffset) {
    return (IntVector) ShortVector.fromMemorySegment(HALF, data, byteOffset, LE).convertShape(VectorOperators.S2I, I32, 0);
  }

  /** bf16 patterns in the low 16 bits of each lane (upper bits ignored) to floats. */
  static FloatVector bf16Bits(IntVector bits) {
    return bits.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
  }

  /** f16 patterns in the low 16 bits of each lane (upper bits ignored) to floats. */
  static FloatVector f16Bits(IntVector bits) {
    IntVector sign = bits.and(0x8000).lanewise(VectorOperators.LSHL, 16);
    IntVector magnitude = bits.and(0x7FFF);
    IntVector shifted = magnitude.lanewise(VectorOperators.LSHL, 13);
    IntVector finite = shifted.reinterpretAsFloats().mul(F16_EXPONENT_REBIAS).reinterpretAsInts();
    VectorMask<Integer> infOrNan = magnitude.compare(VectorOperators.GE, 0x7C00);
    return finite.blend(shifted.or(0x7F80_0000), infOrNan).or(sign).reinterpretAsFloats();
  }
}
