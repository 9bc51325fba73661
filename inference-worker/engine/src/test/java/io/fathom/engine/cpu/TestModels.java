package io.fathom.engine.cpu;

import io.fathom.engine.load.DummyCheckpoint;
import io.fathom.engine.model.ModelConfig;
import io.fathom.engine.model.ModelPresets;
import io.fathom.engine.tensor.DType;
import java.io.IOException;
import java.nio.file.Path;
import java.util.SplittableRandom;

/** Tiny random checkpoints in the real format, and prompts for them. */
final class TestModels {

  /**
   * Weights around 1/√hidden, so that attention is far from uniform and logits spread over a few units:
   * with Llama's 0.02 a toy model's attention is nearly flat and a RoPE or masking bug would hide.
   */
  static final double STD = 0.125;

  /** Dimensions that are not multiples of the vector width: every kernel's scalar tail runs. */
  static final ModelConfig ODD =
      new ModelConfig(72, 100, 2, 3, 1, 24, 300, 1e-5, 10_000.0, 1024, false, "bfloat16");

  /** Like {@link ModelPresets#TINY}, with the output head tied to the embeddings. */
  static final ModelConfig TINY_TIED =
      new ModelConfig(64, 160, 2, 4, 2, 16, 512, 1e-5, 10_000.0, 4096, true, "bfloat16");

  private TestModels() {}

  static Path tiny(Path directory, DType dtype, int shards) throws IOException {
    return write(directory, ModelPresets.TINY, dtype, shards);
  }

  static Path write(Path directory, ModelConfig config, DType dtype, int shards) throws IOException {
    return DummyCheckpoint.write(directory, config, new DummyCheckpoint.Options(dtype, 42, STD, shards));
  }

  static int[] prompt(int length, int vocab, long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    int[] tokens = new int[length];
    for (int i = 0; i < length; i++) {
      tokens[i] = random.nextInt(vocab);
    }
    return tokens;
  }
}
