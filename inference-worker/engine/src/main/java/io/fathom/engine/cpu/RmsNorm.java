package io.fathom.engine.cpu;

import io.fathom.engine.tensor.Tensor;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/** Llama's RMSNorm: {@code out = x / sqrt(mean(x²) + eps) * weight}, per activation row, in f32. */
final class RmsNorm {

  private static final int LANES = WeightVectors.LANES;

  private RmsNorm() {}

  /** Normalises {@code tokens} rows of {@code x} ({@code weight}-sized each) into {@code out}. */
  static void apply(float[] x, float[] out, int tokens, Tensor weight, double eps) {
    int n = weight.dim(0);
    for (int t = 0; t < tokens; t++) {
      int off = t * n;
      FloatVector squares = FloatVector.zero(WeightVectors.F32);
      int i = 0;
      for (; i + LANES <= n; i += LANES) {
        FloatVector v = FloatVector.fromArray(WeightVectors.F32, x, off + i);
        squares = v.fma(v, squares);
      }
      float sum = squares.reduceLanes(VectorOperators.ADD);
      for (; i < n; i++) {
        sum += x[off + i] * x[off + i];
      }
      float scale = (float) (1.0 / Math.sqrt(sum / n + eps));
      i = 0;
      for (; i + LANES <= n; i += LANES) {
        FloatVector v = FloatVector.fromArray(WeightVectors.F32, x, off + i);
        v.mul(scale).mul(WeightVectors.load(weight.dtype(), weight.data(), i)).intoArray(out, off + i);
      }
      for (; i < n; i++) {
        out[off + i] = x[off + i] * scale * weight.get(i);
      }
    }
  }
}
