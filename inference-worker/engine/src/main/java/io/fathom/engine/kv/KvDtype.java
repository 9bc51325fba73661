package io.fathom.engine.kv;

import java.util.Locale;

/**
 * How keys and values are stored in the cache. {@link #BF16} (the default, as the model's own weights) halves
 * the cache against {@link #F32}: 64 KiB a token for Nanbeige4.1-3B, so a full 262,144-token context takes
 * 16 GiB. Values are rounded to nearest-even when stored and widened exactly when read; attention still
 * computes in f32.
 */
public enum KvDtype {
  F32(4),
  BF16(2);

  private final int bytes;

  KvDtype(int bytes) {
    this.bytes = bytes;
  }

  /** Bytes of one stored value. */
  public int bytes() {
    return bytes;
  }

  /** {@code bf16} or {@code f32} (any case), as the worker's {@code --kv-cache-dtype} takes it. */
  public static KvDtype fromOption(String value) {
    return switch (value.toLowerCase(Locale.ROOT)) {
      case "bf16", "bfloat16" -> BF16;
      case "f32", "float32", "fp32" -> F32;
      default -> throw new IllegalArgumentException("--kv-cache-dtype must be bf16 or f32, got '" + value + "'");
    };
  }

  /** The option's spelling. */
  public String optionName() {
    return name().toLowerCase(Locale.ROOT);
  }
}
