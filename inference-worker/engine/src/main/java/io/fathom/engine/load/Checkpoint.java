package io.fathom.engine.load;

import io.fathom.engine.model.ModelConfig;
import io.fathom.engine.tensor.Tensor;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.SequencedMap;
import java.util.TreeSet;
import tools.jackson.core.JacksonException;
import tools.jackson.core.StreamReadFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A Hugging Face checkpoint directory — {@code config.json} plus {@code model.safetensors}, or shards listed
 * by {@code model.safetensors.index.json} — memory-mapped and validated. The weights are read in place
 * from the mappings, which stay valid until {@link #close()}; kernels on any thread may read them.
 */
public final class Checkpoint implements AutoCloseable {

  public static final String CONFIG = "config.json";
  public static final String SINGLE_FILE = "model.safetensors";
  public static final String INDEX = "model.safetensors.index.json";
  /** Bound on the shard index (real ones are tens of KB). */
  public static final long MAX_INDEX_BYTES = 100_000_000L;

  private static final JsonMapper JSON =
      JsonMapper.builder().enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();

  private final Arena arena;
  private final ModelConfig config;
  private final SequencedMap<String, Tensor> tensors;
  private final Weights weights;

  private Checkpoint(Arena arena, ModelConfig config, SequencedMap<String, Tensor> tensors) {
    this.arena = arena;
    this.config = config;
    this.tensors = Collections.unmodifiableSequencedMap(tensors);
    this.weights = Weights.bind(config, name -> Optional.ofNullable(tensors.get(name)));
  }

  /**
   * Opens the checkpoint in {@code directory}.
   *
   * @throws io.fathom.engine.model.ModelConfigException if config.json describes a model the engine cannot run
   * @throws CheckpointException if a weight file is malformed, truncated or does not match the config
   */
  public static Checkpoint open(Path directory) throws IOException {
    ModelConfig config = ModelConfig.read(directory.resolve(CONFIG));
    Arena arena = Arena.ofShared();
    try {
      SequencedMap<String, Tensor> tensors =
          Files.exists(directory.resolve(INDEX)) ? openSharded(directory, arena) : openSingle(directory, arena);
      return new Checkpoint(arena, config, tensors);
    } catch (IOException | RuntimeException | Error e) {
      arena.close();
      throw e;
    }
  }

  public ModelConfig config() {
    return config;
  }

  /** The validated weights the engine runs. */
  public Weights weights() {
    return weights;
  }

  /** Every tensor in the checkpoint by name, including any the engine does not use. */
  public SequencedMap<String, Tensor> tensors() {
    return tensors;
  }

  /** Unmaps the files; the weights must not be used afterwards. */
  @Override
  public void close() {
    arena.close();
  }

  private static SequencedMap<String, Tensor> openSingle(Path directory, Arena arena) throws IOException {
    Path file = directory.resolve(SINGLE_FILE);
    if (!Files.exists(file)) {
      throw new NoSuchFileException(file.toString(), null, "neither " + SINGLE_FILE + " nor " + INDEX + " exists");
    }
    return new LinkedHashMap<>(SafetensorsFile.open(file, arena).tensors());
  }

  private static SequencedMap<String, Tensor> openSharded(Path directory, Arena arena) throws IOException {
    Map<String, String> weightMap = readWeightMap(directory.resolve(INDEX));
    Map<String, SafetensorsFile> shards = new LinkedHashMap<>();
    for (String shard : new TreeSet<>(weightMap.values())) {
      shards.put(shard, SafetensorsFile.open(directory.resolve(shard), arena));
    }
    SequencedMap<String, Tensor> tensors = new LinkedHashMap<>();
    weightMap.forEach(
        (name, shard) -> {
          Tensor tensor = shards.get(shard).tensors().get(name);
          if (tensor == null) {
            throw new CheckpointException(
                INDEX + ": weight_map puts tensor '" + name + "' in " + shard + ", which does not contain it");
          }
          tensors.put(name, tensor);
        });
    return tensors;
  }

  private static Map<String, String> readWeightMap(Path index) throws IOException {
    long size = Files.size(index);
    if (size > MAX_INDEX_BYTES) {
      throw new CheckpointException(INDEX + ": " + size + " bytes, above the limit of " + MAX_INDEX_BYTES);
    }
    JsonNode root;
    try {
      root = JSON.readTree(Files.readAllBytes(index));
    } catch (JacksonException e) {
      throw new CheckpointException(INDEX + ": not valid JSON: " + e.getOriginalMessage());
    }
    JsonNode map = root == null ? null : root.get("weight_map");
    if (map == null || !map.isObject()) {
      throw new CheckpointException(INDEX + ": \"weight_map\" must be an object of tensor name to file name");
    }
    Map<String, String> weightMap = new LinkedHashMap<>();
    for (Map.Entry<String, JsonNode> e : map.properties()) {
      JsonNode file = e.getValue();
      if (!file.isString() || !isPlainFileName(file.stringValue())) {
        throw new CheckpointException(
            INDEX + ": weight_map[\"" + e.getKey() + "\"] must name a .safetensors file in the checkpoint"
                + " directory, got " + file);
      }
      weightMap.put(e.getKey(), file.stringValue());
    }
    return weightMap;
  }

  private static boolean isPlainFileName(String name) {
    return name.endsWith(".safetensors")
        && !name.contains("/")
        && !name.contains("\\")
        && !name.startsWith(".")
        && !name.contains("\0");
  }
}
