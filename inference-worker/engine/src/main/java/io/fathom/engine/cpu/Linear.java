package io.fathom.engine.cpu;

import io.fathom.engine.tensor.DType;
import io.fathom.engine.tensor.Tensor;
import java.lang.foreign.Arena;

/** A linear layer's weight in the form the forward pass multiplies by: {@code out[t] = W · x[t]} for each token. */
interface Linear {

  void multiply(float[] x, float[] out, int tokens, ParallelRunner parallel);

  /** A checkpoint tensor read in place by {@link MatMul}. */
  static Linear inPlace(Tensor w) {
    return (x, out, tokens, parallel) -> MatMul.multiply(w, x, out, tokens, parallel);
  }

  /** bf16 panels multiplied by {@link Bf16PanelMatMul}. */
  static Linear panels(Bf16Panels w) {
    return (x, out, tokens, parallel) -> Bf16PanelMatMul.multiply(w, x, out, tokens, parallel);
  }

  /** Int8 blocks multiplied by {@link Int8MatMul}. */
  static Linear int8(Int8Matrix w) {
    return (x, out, tokens, parallel) -> Int8MatMul.multiply(w, x, out, tokens, parallel);
  }

  /**
   * {@code w} in {@code format}: quantized now (into {@code arena}) for {@link WeightFormat#INT8}; as stored
   * otherwise, bf16 repacked now into {@link Bf16Panels panels} (into {@code arena}), f16 and f32 read in place.
   */
  static Linear of(Tensor w, WeightFormat format, Arena arena, ParallelRunner parallel) {
    return switch (format) {
      case AS_STORED -> w.dtype() == DType.BF16 && w.rank() == 2 ? panels(Bf16Panels.pack(w, arena, parallel)) : inPlace(w);
      case INT8 -> int8(Int8Matrix.quantize(w, arena, parallel));
    };
  }
}
