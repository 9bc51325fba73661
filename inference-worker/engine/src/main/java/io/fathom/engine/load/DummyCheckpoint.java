package io.fathom.engine.load;

import io.fathom.engine.load.SafetensorsWriter.TensorSpec;
import io.fathom.engine.model.LlamaTensors;
import io.fathom.engine.model.ModelConfig;
import io.fathom.engine.tensor.DType;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * Writes a checkpoint of a given shape with seeded random weights, in the real Hugging Face format
 * ({@code config.json} + safetensors, sharded with an index on request) — what {@code --load-format
 * dummy} runs, and what the tests' tiny models are. Projections and embeddings are drawn from
 * N(0, std²); norm weights from N(1, std²). The same seed gives the same values whatever the sharding.
 */
public final class DummyCheckpoint {

  /**
   * @param dtype the dtype of every tensor
   * @param seed the random seed
   * @param std the standard deviation of the weights (0.02 is Llama's initialiser range)
   * @param shards how many safetensors files to split the weights over (1: a single {@code model.safetensors})
   */
  public record Options(DType dtype, long seed, double std, int shards) {
    public Options {
      if (!(std >= 0) || !Double.isFinite(std)) {
        throw new IllegalArgumentException("std must be finite and non-negative, got " + std);
      }
      if (shards < 1) {
        throw new IllegalArgumentException("shards must be at least 1, got " + shards);
      }
    }

    /** bf16 weights with std 0.02 in one file. */
    public static Options bf16(long seed) {
      return new Options(DType.BF16, seed, 0.02, 1);
    }

    public Options withDtype(DType newDtype) {
      return new Options(newDtype, seed, std, shards);
    }

    public Options withStd(double newStd) {
      return new Options(dtype, seed, newStd, shards);
    }

    public Options withShards(int newShards) {
      return new Options(dtype, seed, std, newShards);
    }
  }

  private static final JsonMapper JSON = JsonMapper.builder().build();

  private DummyCheckpoint() {}

  /** Writes the checkpoint into {@code directory} (created if needed) and returns the directory. */
  public static Path write(Path directory, ModelConfig config, Options options) throws IOException {
    Files.createDirectories(directory);
    Files.writeString(directory.resolve(Checkpoint.CONFIG), configJson(config, options.dtype()));
    List<TensorSpec> specs = new ArrayList<>();
    LlamaTensors.expectedShapes(config)
        .forEach((name, shape) -> specs.add(new TensorSpec(name, options.dtype(), shape, values(name, options))));
    if (options.shards() == 1) {
      SafetensorsWriter.write(directory.resolve(Checkpoint.SINGLE_FILE), specs);
    } else {
      writeSharded(directory, specs, options.shards());
    }
    return directory;
  }

  /** The Hugging Face {@code config.json} text for {@code config}, saved in {@code dtype}. */
  public static String configJson(ModelConfig config, DType dtype) {
    ObjectNode root = JSON.createObjectNode();
    root.putArray("architectures").add("LlamaForCausalLM");
    root.put("model_type", "llama");
    root.put("hidden_act", "silu");
    root.put("hidden_size", config.hiddenSize());
    root.put("intermediate_size", config.intermediateSize());
    root.put("num_hidden_layers", config.numHiddenLayers());
    root.put("num_attention_heads", config.numAttentionHeads());
    root.put("num_key_value_heads", config.numKeyValueHeads());
    root.put("head_dim", config.headDim());
    root.put("vocab_size", config.vocabSize());
    root.put("rms_norm_eps", config.rmsNormEps());
    root.put("rope_theta", config.ropeTheta());
    root.putNull("rope_scaling");
    root.put("attention_bias", false);
    root.put("mlp_bias", false);
    root.put("max_position_embeddings", config.maxPositionEmbeddings());
    root.put("tie_word_embeddings", config.tieWordEmbeddings());
    root.put(
        "torch_dtype",
        switch (dtype) {
          case BF16 -> "bfloat16";
          case F16 -> "float16";
          case F32 -> "float32";
        });
    return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(root);
  }

  private static SafetensorsWriter.ElementValues values(String name, Options options) {
    boolean norm = name.endsWith("norm.weight");
    float mean = norm ? 1f : 0f;
    SplittableRandom random = new SplittableRandom(options.seed() ^ (name.hashCode() * 0x9E37_79B9_7F4A_7C15L));
    return index -> (float) (mean + options.std() * random.nextGaussian());
  }

  private static void writeSharded(Path directory, List<TensorSpec> specs, int requestedShards) throws IOException {
    int shards = Math.min(requestedShards, specs.size());
    long total = specs.stream().mapToLong(TensorSpec::byteSize).sum();
    List<List<TensorSpec>> groups = new ArrayList<>();
    long written = 0;
    for (TensorSpec spec : specs) {
      boolean startNew =
          groups.isEmpty() || (groups.size() < shards && written >= total * groups.size() / shards);
      if (startNew) {
        groups.add(new ArrayList<>());
      }
      groups.getLast().add(spec);
      written += spec.byteSize();
    }
    Map<String, String> weightMap = new LinkedHashMap<>();
    for (int i = 0; i < groups.size(); i++) {
      String file = String.format("model-%05d-of-%05d.safetensors", i + 1, groups.size());
      SafetensorsWriter.write(directory.resolve(file), groups.get(i));
      groups.get(i).forEach(spec -> weightMap.put(spec.name(), file));
    }
    ObjectNode index = JSON.createObjectNode();
    index.putObject("metadata").put("total_size", total);
    ObjectNode map = index.putObject("weight_map");
    weightMap.forEach(map::put);
    Files.writeString(directory.resolve(Checkpoint.INDEX), JSON.writerWithDefaultPrettyPrinter().writeValueAsString(index));
  }
}
