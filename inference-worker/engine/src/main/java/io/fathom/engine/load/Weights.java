package io.fathom.engine.load;

import io.fathom.engine.model.LlamaTensors;
import io.fathom.engine.model.LlamaTensors.LayerTensor;
import io.fathom.engine.model.ModelConfig;
import io.fathom.engine.tensor.Tensor;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * A Llama model's tensors, found by their Hugging Face names and checked against the config: every
 * expected tensor present with the expected shape. With tied embeddings, {@code lmHead} is the embedding
 * matrix.
 */
public record Weights(Tensor embedTokens, List<LayerWeights> layers, Tensor finalNorm, Tensor lmHead) {

  private static final int MAX_REPORTED_PROBLEMS = 10;

  public Weights {
    layers = List.copyOf(layers);
  }

  /**
   * Looks up and validates every tensor {@code config} calls for.
   *
   * @throws CheckpointException naming each missing or misshapen tensor (the first few of them)
   */
  public static Weights bind(ModelConfig config, Function<String, Optional<Tensor>> lookup) {
    List<String> problems = new ArrayList<>();
    Map<String, Tensor> found = new HashMap<>();
    LlamaTensors.expectedShapes(config)
        .forEach(
            (name, shape) -> {
              Optional<Tensor> tensor = lookup.apply(name);
              if (tensor.isEmpty()) {
                problems.add("missing tensor '" + name + "' (expected shape " + shape + ")");
              } else if (!tensor.get().shape().equals(shape)) {
                problems.add(
                    "tensor '" + name + "' has shape " + tensor.get().shape() + ", expected " + shape
                        + " from config.json");
              } else {
                found.put(name, tensor.get());
              }
            });
    if (!problems.isEmpty()) {
      String more =
          problems.size() > MAX_REPORTED_PROBLEMS
              ? "; and " + (problems.size() - MAX_REPORTED_PROBLEMS) + " more"
              : "";
      throw new CheckpointException(
          "checkpoint does not match config.json: "
              + String.join("; ", problems.subList(0, Math.min(problems.size(), MAX_REPORTED_PROBLEMS)))
              + more);
    }
    List<LayerWeights> layers = new ArrayList<>(config.numHiddenLayers());
    for (int i = 0; i < config.numHiddenLayers(); i++) {
      layers.add(
          new LayerWeights(
              found.get(LayerTensor.INPUT_LAYERNORM.name(i)),
              found.get(LayerTensor.Q_PROJ.name(i)),
              found.get(LayerTensor.K_PROJ.name(i)),
              found.get(LayerTensor.V_PROJ.name(i)),
              found.get(LayerTensor.O_PROJ.name(i)),
              found.get(LayerTensor.POST_ATTENTION_LAYERNORM.name(i)),
              found.get(LayerTensor.GATE_PROJ.name(i)),
              found.get(LayerTensor.UP_PROJ.name(i)),
              found.get(LayerTensor.DOWN_PROJ.name(i))));
    }
    Tensor embed = found.get(LlamaTensors.EMBED_TOKENS);
    Tensor head = config.tieWordEmbeddings() ? embed : found.get(LlamaTensors.LM_HEAD);
    return new Weights(embed, layers, found.get(LlamaTensors.FINAL_NORM), head);
  }
}
