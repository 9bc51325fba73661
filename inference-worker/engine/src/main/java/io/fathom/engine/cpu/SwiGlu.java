package io.fathom.engine.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/** The gate of Llama's MLP: {@code gate ← silu(gate) · up}, with {@code silu(g) = g / (1 + e^-g)}. */
final class SwiGlu {

  private static final int LANES = WeightVectors.LANES;

  private SwiGlu() {}

  static void apply(float[] gate, float[] up, int length) {
    int i = 0;
    for (; i + LANES <= length; i += LANES) {
      FloatVector g = FloatVector.fromArray(WeightVectors.F32, gate, i);
      FloatVector u = FloatVector.fromArray(WeightVectors.F32, up, i);
      FloatVector silu = g.div(g.neg().lanewise(VectorOperators.EXP).add(1f));
      silu.mul(u).intoArray(gate, i);
    }
    for (; i < length; i++) {
      float g = gate[i];
      gate[i] = (float) (g / (1 + Math.exp(-g))) * up[i];
    }
  }
}
