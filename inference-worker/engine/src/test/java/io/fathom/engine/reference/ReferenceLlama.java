package io.fathom.engine.reference;

import java.util.Arrays;

/**
 * The Llama forward pass written out plainly in f64, following Hugging Face's {@code modeling_llama.py}
 * line by line: no cache (every call recomputes the whole sequence), 2-D arrays, the textbook formulas.
 * It is the independent oracle the engine's logits are compared against.
 */
public final class ReferenceLlama {

  private final ReferenceCheckpoint m;
  private final boolean bf16KeysAndValues;

  public ReferenceLlama(ReferenceCheckpoint checkpoint) {
    this(checkpoint, false);
  }

  /**
   * With {@code bf16KeysAndValues}, every key (after the rotary embedding) and value is rounded to the nearest
   * bfloat16 before attention reads it, as a bf16 KV cache stores them.
   */
  public ReferenceLlama(ReferenceCheckpoint checkpoint, boolean bf16KeysAndValues) {
    this.m = checkpoint;
    this.bf16KeysAndValues = bf16KeysAndValues;
  }

  /** Logits {@code [position][vocab]} for every position of {@code tokens}. */
  public double[][] logits(int[] tokens) {
    int n = tokens.length;
    double[] embed = m.tensor("model.embed_tokens.weight");
    double[][] hidden = new double[n][m.hidden()];
    for (int t = 0; t < n; t++) {
      System.arraycopy(embed, tokens[t] * m.hidden(), hidden[t], 0, m.hidden());
    }
    for (int layer = 0; layer < m.layers(); layer++) {
      String p = "model.layers." + layer + ".";
      double[][] residual = hidden;
      double[][] normed = rmsNorm(hidden, m.tensor(p + "input_layernorm.weight"));
      double[][] attention = selfAttention(normed, p);
      hidden = add(residual, linear(attention, m.tensor(p + "self_attn.o_proj.weight"), m.hidden()));

      residual = hidden;
      normed = rmsNorm(hidden, m.tensor(p + "post_attention_layernorm.weight"));
      double[][] gate = linear(normed, m.tensor(p + "mlp.gate_proj.weight"), m.intermediate());
      double[][] up = linear(normed, m.tensor(p + "mlp.up_proj.weight"), m.intermediate());
      double[][] act = new double[n][m.intermediate()];
      for (int t = 0; t < n; t++) {
        for (int i = 0; i < m.intermediate(); i++) {
          double g = gate[t][i];
          act[t][i] = g / (1 + Math.exp(-g)) * up[t][i];
        }
      }
      hidden = add(residual, linear(act, m.tensor(p + "mlp.down_proj.weight"), m.hidden()));
    }
    double[][] normed = rmsNorm(hidden, m.tensor("model.norm.weight"));
    double[] head = m.tied() ? embed : m.tensor("lm_head.weight");
    return linear(normed, head, m.vocab());
  }

  /** Greedy continuation: {@code count} tokens, each the argmax of the last position's logits. */
  public int[] greedy(int[] prompt, int count) {
    int[] sequence = Arrays.copyOf(prompt, prompt.length + count);
    for (int i = 0; i < count; i++) {
      int length = prompt.length + i;
      double[][] logits = logits(Arrays.copyOf(sequence, length));
      sequence[length] = argmax(logits[length - 1]);
    }
    return Arrays.copyOfRange(sequence, prompt.length, sequence.length);
  }

  public static int argmax(double[] values) {
    int best = 0;
    for (int i = 1; i < values.length; i++) {
      if (values[i] > values[best]) {
        best = i;
      }
    }
    return best;
  }

  private double[][] selfAttention(double[][] x, String p) {
    int n = x.length;
    int d = m.headDim();
    double[][] q = linear(x, m.tensor(p + "self_attn.q_proj.weight"), m.heads() * d);
    double[][] k = linear(x, m.tensor(p + "self_attn.k_proj.weight"), m.kvHeads() * d);
    double[][] v = linear(x, m.tensor(p + "self_attn.v_proj.weight"), m.kvHeads() * d);
    for (int t = 0; t < n; t++) {
      applyRotary(q[t], m.heads(), t);
      applyRotary(k[t], m.kvHeads(), t);
      if (bf16KeysAndValues) {
        for (int i = 0; i < k[t].length; i++) {
          k[t][i] = nearestBf16(k[t][i]);
          v[t][i] = nearestBf16(v[t][i]);
        }
      }
    }
    int groups = m.heads() / m.kvHeads();
    double[][] out = new double[n][m.heads() * d];
    for (int h = 0; h < m.heads(); h++) {
      int kvHead = h / groups; // repeat_kv: query head h uses key/value head h // n_rep
      for (int t = 0; t < n; t++) {
        double[] weights = new double[t + 1]; // causal mask: positions after t are excluded
        double max = Double.NEGATIVE_INFINITY;
        for (int s = 0; s <= t; s++) {
          double dot = 0;
          for (int i = 0; i < d; i++) {
            dot += q[t][h * d + i] * k[s][kvHead * d + i];
          }
          weights[s] = dot / Math.sqrt(d);
          max = Math.max(max, weights[s]);
        }
        double sum = 0;
        for (int s = 0; s <= t; s++) {
          weights[s] = Math.exp(weights[s] - max);
          sum += weights[s];
        }
        for (int s = 0; s <= t; s++) {
          for (int i = 0; i < d; i++) {
            out[t][h * d + i] += weights[s] / sum * v[s][kvHead * d + i];
          }
        }
      }
    }
    return out;
  }

  /**
   * {@code x * cos + rotate_half(x) * sin} per head, with {@code emb = cat(freqs, freqs)}, {@code freqs =
   * position * theta^(-arange(0, d, 2) / d)} and {@code rotate_half(x) = cat(-x2, x1)}.
   */
  private void applyRotary(double[] x, int heads, int position) {
    int d = m.headDim();
    double[] cos = new double[d];
    double[] sin = new double[d];
    for (int j = 0; j < d; j++) {
      int pair = j % (d / 2);
      double inverseFrequency = 1.0 / Math.pow(m.theta(), (2.0 * pair) / d);
      cos[j] = Math.cos(position * inverseFrequency);
      sin[j] = Math.sin(position * inverseFrequency);
    }
    for (int h = 0; h < heads; h++) {
      double[] head = new double[d];
      System.arraycopy(x, h * d, head, 0, d);
      double[] rotated = new double[d];
      for (int j = 0; j < d / 2; j++) {
        rotated[j] = -head[j + d / 2];
        rotated[j + d / 2] = head[j];
      }
      for (int j = 0; j < d; j++) {
        x[h * d + j] = head[j] * cos[j] + rotated[j] * sin[j];
      }
    }
  }

  private double[][] rmsNorm(double[][] x, double[] weight) {
    double[][] out = new double[x.length][];
    for (int t = 0; t < x.length; t++) {
      double variance = 0;
      for (double v : x[t]) {
        variance += v * v;
      }
      variance /= x[t].length;
      double inv = 1 / Math.sqrt(variance + m.eps());
      out[t] = new double[x[t].length];
      for (int i = 0; i < x[t].length; i++) {
        out[t][i] = weight[i] * (x[t][i] * inv);
      }
    }
    return out;
  }

  /** {@code x W^T} for W stored {@code [outFeatures, inFeatures]} row-major (torch.nn.Linear). */
  private static double[][] linear(double[][] x, double[] w, int outFeatures) {
    int in = x[0].length;
    double[][] out = new double[x.length][outFeatures];
    for (int t = 0; t < x.length; t++) {
      for (int o = 0; o < outFeatures; o++) {
        double sum = 0;
        for (int i = 0; i < in; i++) {
          sum += w[o * in + i] * x[t][i];
        }
        out[t][o] = sum;
      }
    }
    return out;
  }

  private static double[][] add(double[][] a, double[][] b) {
    double[][] out = new double[a.length][a[0].length];
    for (int t = 0; t < a.length; t++) {
      for (int i = 0; i < a[t].length; i++) {
        out[t][i] = a[t][i] + b[t][i];
      }
    }
    return out;
  }

  /**
   * The bfloat16 value nearest to {@code x} (as a float first), ties to the even mantissa: of the two bf16
   * neighbours bracketing it (a float with its low 16 bits cleared, and the next one up in magnitude), the
   * closer.
   */
  static double nearestBf16(double x) {
    float f = (float) x;
    int bits = Float.floatToIntBits(f);
    float down = Float.intBitsToFloat(bits & 0xFFFF_0000);
    float up = Float.intBitsToFloat((bits & 0xFFFF_0000) + 0x1_0000);
    double toDown = Math.abs((double) f - down);
    double toUp = Math.abs((double) up - f);
    if (toDown != toUp) {
      return toDown < toUp ? down : up;
    }
    return ((Float.floatToIntBits(down) >>> 16) & 1) == 0 ? down : up;
  }
}
