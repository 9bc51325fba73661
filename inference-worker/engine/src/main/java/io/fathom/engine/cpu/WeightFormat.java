package io.fathom.engine.cpu;

import java.util.Locale;

/**
 * How the forward pass holds the linear weights (q/k/v/o, gate/up/down and the output head): in the checkpoint's
 * precision, or quantized once at load into {@link Int8Matrix int8 blocks}. Norms and the embedding table are
 * always read in place.
 */
public enum WeightFormat {
  /**
   * The checkpoint's precision ({@code --quantize none}): bf16 matrices repacked at load into {@code Bf16Panels}
   * (the same bits, 32 rows a panel), f16 and f32 ones read in place from the mapping.
   */
  AS_STORED,
  /**
   * Symmetric int8 with one f16 scale per block of 32 values along the input dimension, as GGML's Q8_0
   * ({@code --quantize int8}): 1.0625 bytes per weight instead of 2 for bf16. The lowest precision offered.
   */
  INT8;

  /**
   * The format a {@code --quantize} value names: {@code none} or {@code int8}.
   *
   * @throws IllegalArgumentException for anything else, int4 included (int8 is the floor for these models)
   */
  public static WeightFormat fromOption(String value) {
    return switch (value.toLowerCase(Locale.ROOT)) {
      case "none" -> AS_STORED;
      case "int8" -> INT8;
      default ->
          throw new IllegalArgumentException(
              "--quantize must be 'none' or 'int8', got '" + value + "' (int8 is the lowest precision offered)");
    };
  }
}
