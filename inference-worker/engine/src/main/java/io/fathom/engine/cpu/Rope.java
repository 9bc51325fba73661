package io.fathom.engine.cpu;

import io.fathom.engine.model.ModelConfig;

/**
 * Rotary position embeddings in Hugging Face Llama's "rotate half" convention: dimension {@code i} of a
 * head is paired with {@code i + headDim/2} and the pair is rotated by {@code position · θ^(-2i/headDim)}.
 * Angles are computed in double, so large positions (the model's context is 262,144) and large θ lose no
 * precision.
 */
final class Rope {

  private final int headDim;
  private final double[] inverseFrequencies;

  Rope(ModelConfig config) {
    this.headDim = config.headDim();
    int half = headDim / 2;
    this.inverseFrequencies = new double[half];
    for (int i = 0; i < half; i++) {
      inverseFrequencies[i] = Math.pow(config.ropeTheta(), -2.0 * i / headDim);
    }
  }

  /** The cosines and sines for {@code count} consecutive positions from {@code start}. */
  Angles angles(int start, int count) {
    int[] positions = new int[count];
    for (int t = 0; t < count; t++) {
      positions[t] = start + t;
    }
    return angles(positions);
  }

  /** The cosines and sines for each of {@code positions}, in order. */
  Angles angles(int[] positions) {
    int half = headDim / 2;
    int count = positions.length;
    float[] cos = new float[count * half];
    float[] sin = new float[count * half];
    for (int t = 0; t < count; t++) {
      for (int i = 0; i < half; i++) {
        double angle = (double) positions[t] * inverseFrequencies[i];
        cos[t * half + i] = (float) Math.cos(angle);
        sin[t * half + i] = (float) Math.sin(angle);
      }
    }
    return new Angles(cos, sin);
  }

  /** Per-position rotation tables, {@code [token][headDim/2]}. */
  record Angles(float[] cos, float[] sin) {}

  /** Rotates every head of {@code tokens} rows of {@code x}, each row {@code heads × headDim} wide. */
  void rotate(float[] x, int tokens, int heads, Angles angles) {
    int half = headDim / 2;
    for (int t = 0; t < tokens; t++) {
      for (int h = 0; h < heads; h++) {
        int base = (t * heads + h) * headDim;
        for (int i = 0; i < half; i++) {
          float c = angles.cos()[t * half + i];
          float s = angles.sin()[t * half + i];
          float a = x[base + i];
          float b = x[base + i + half];
          x[base + i] = a * c - b * s;
          x[base + i + half] = b * c + a * s;
        }
      }
    }
  }
}
