package io.fathom.engine.model;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.SequencedMap;
import java.util.function.Function;

/** The Hugging Face names and shapes of a Llama checkpoint's tensors ({@code [out, in]} for linear layers). */
public final class LlamaTensors {

  public static final String EMBED_TOKENS = "model.embed_tokens.weight";
  public static final String FINAL_NORM = "model.norm.weight";
  public static final String LM_HEAD = "lm_head.weight";

  /** The tensors every decoder layer holds, in checkpoint order. */
  public enum LayerTensor {
    INPUT_LAYERNORM("input_layernorm.weight", c -> List.of((long) c.hiddenSize())),
    Q_PROJ("self_attn.q_proj.weight", c -> matrix(c.queryDim(), c.hiddenSize())),
    K_PROJ("self_attn.k_proj.weight", c -> matrix(c.kvDim(), c.hiddenSize())),
    V_PROJ("self_attn.v_proj.weight", c -> matrix(c.kvDim(), c.hiddenSize())),
    O_PROJ("self_attn.o_proj.weight", c -> matrix(c.hiddenSize(), c.queryDim())),
    POST_ATTENTION_LAYERNORM("post_attention_layernorm.weight", c -> List.of((long) c.hiddenSize())),
    GATE_PROJ("mlp.gate_proj.weight", c -> matrix(c.intermediateSize(), c.hiddenSize())),
    UP_PROJ("mlp.up_proj.weight", c -> matrix(c.intermediateSize(), c.hiddenSize())),
    DOWN_PROJ("mlp.down_proj.weight", c -> matrix(c.hiddenSize(), c.intermediateSize()));

    private final String suffix;
    private final Function<ModelConfig, List<Long>> shape;

    LayerTensor(String suffix, Function<ModelConfig, List<Long>> shape) {
      this.suffix = suffix;
      this.shape = shape;
    }

    /** The tensor's name in layer {@code layer}, e.g. {@code model.layers.3.mlp.up_proj.weight}. */
    public String name(int layer) {
      return "model.layers." + layer + "." + suffix;
    }

    public List<Long> shape(ModelConfig config) {
      return shape.apply(config);
    }

    /** Whether this is a norm weight (a vector of ones in a fresh model) rather than a projection. */
    public boolean isNorm() {
      return this == INPUT_LAYERNORM || this == POST_ATTENTION_LAYERNORM;
    }
  }

  private LlamaTensors() {}

  /**
   * Every tensor the engine needs, with its expected shape, in the order Hugging Face saves them. With
   * tied embeddings there is no {@code lm_head.weight}: the embedding matrix serves as the output head.
   */
  public static SequencedMap<String, List<Long>> expectedShapes(ModelConfig config) {
    SequencedMap<String, List<Long>> shapes = new LinkedHashMap<>();
    shapes.put(EMBED_TOKENS, matrix(config.vocabSize(), config.hiddenSize()));
    for (int layer = 0; layer < config.numHiddenLayers(); layer++) {
      for (LayerTensor t : LayerTensor.values()) {
        shapes.put(t.name(layer), t.shape(config));
      }
    }
    shapes.put(FINAL_NORM, List.of((long) config.hiddenSize()));
    if (!config.tieWordEmbeddings()) {
      shapes.put(LM_HEAD, matrix(config.vocabSize(), config.hiddenSize()));
    }
    return shapes;
  }

  private static List<Long> matrix(int rows, int cols) {
    return List.of((long) rows, (long) cols);
  }
}
