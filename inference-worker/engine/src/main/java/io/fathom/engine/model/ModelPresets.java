package io.fathom.engine.model;

import java.util.Map;
import java.util.NoSuchElementException;
import java.util.SequencedSet;
import java.util.TreeMap;

/** Named model shapes, for dummy checkpoints ({@code --load-format dummy}), tests and benchmarks. */
public final class ModelPresets {

  /** Nanbeige4.1-3B (DESIGN §4): 32 layers, hidden 2560, 20 / 4 heads of 128, untied, RoPE theta 7e7. */
  public static final ModelConfig NANBEIGE_4_1_3B =
      new ModelConfig(2560, 10496, 32, 20, 4, 128, 166144, 1e-5, 70_000_000.0, 262_144, false, "bfloat16");

  /**
   * A ~150M-parameter Llama (8 layers, hidden 1024, 16 / 4 heads of 64, vocab 32000): big enough that
   * decode is bound by memory bandwidth like the real model, small enough to benchmark anywhere.
   */
  public static final ModelConfig SMALL =
      new ModelConfig(1024, 2816, 8, 16, 4, 64, 32000, 1e-5, 500_000.0, 8192, false, "bfloat16");

  /** A toy model for tests: 2 layers, hidden 64, 4 query heads sharing 2 KV heads of 16 (GQA), vocab 512. */
  public static final ModelConfig TINY =
      new ModelConfig(64, 160, 2, 4, 2, 16, 512, 1e-5, 10_000.0, 4096, false, "bfloat16");

  private static final Map<String, ModelConfig> BY_NAME =
      Map.of("nanbeige4.1-3b", NANBEIGE_4_1_3B, "small", SMALL, "tiny", TINY);

  private ModelPresets() {}

  /** The preset called {@code name}. */
  public static ModelConfig named(String name) {
    ModelConfig config = BY_NAME.get(name);
    if (config == null) {
      throw new NoSuchElementException("unknown model preset '" + name + "'; known: " + names());
    }
    return config;
  }

  /** The preset names, sorted. */
  public static SequencedSet<String> names() {
    return new TreeMap<>(BY_NAME).sequencedKeySet();
  }
}
