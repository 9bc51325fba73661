package io.fathom.engine.model;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Set;
import java.util.function.Predicate;
import tools.jackson.core.JacksonException;
import tools.jackson.core.StreamReadFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The shape of a Llama-family decoder, as its Hugging Face {@code config.json} describes it. Only what
 * the engine runs is accepted: a plain {@code LlamaForCausalLM} with SiLU-gated MLPs, unscaled RoPE and no
 * biases. Field names in errors are the {@code config.json} names.
 *
 * @param headDim the attention head size ({@code head_dim}; Hugging Face's default is hidden / heads)
 * @param torchDtype the dtype the checkpoint was saved in ({@code torch_dtype} or {@code dtype}); each
 *     tensor still carries its own dtype, this is informational
 */
public record ModelConfig(
    int hiddenSize,
    int intermediateSize,
    int numHiddenLayers,
    int numAttentionHeads,
    int numKeyValueHeads,
    int headDim,
    int vocabSize,
    double rmsNormEps,
    double ropeTheta,
    int maxPositionEmbeddings,
    boolean tieWordEmbeddings,
    String torchDtype) {

  /** A bound on {@code config.json}'s size: real ones are a few KB. */
  public static final long MAX_CONFIG_BYTES = 1 << 20;

  private static final Set<String> DTYPES = Set.of("bfloat16", "float16", "float32");

  private static final JsonMapper JSON =
      JsonMapper.builder().enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();

  public ModelConfig {
    positive("hidden_size", hiddenSize);
    positive("intermediate_size", intermediateSize);
    positive("num_hidden_layers", numHiddenLayers);
    positive("num_attention_heads", numAttentionHeads);
    positive("num_key_value_heads", numKeyValueHeads);
    positive("head_dim", headDim);
    positive("vocab_size", vocabSize);
    positive("max_position_embeddings", maxPositionEmbeddings);
    if (numAttentionHeads % numKeyValueHeads != 0) {
      throw new ModelConfigException(
          "num_key_value_heads",
          "(" + numKeyValueHeads + ") must divide num_attention_heads (" + numAttentionHeads + ")");
    }
    if (headDim % 2 != 0) {
      throw new ModelConfigException("head_dim", "(" + headDim + ") must be even for rotary embeddings");
    }
    if (!(rmsNormEps > 0) || !Double.isFinite(rmsNormEps)) {
      throw new ModelConfigException("rms_norm_eps", "must be a positive number, got " + rmsNormEps);
    }
    if (!(ropeTheta > 1) || !Double.isFinite(ropeTheta)) {
      throw new ModelConfigException("rope_theta", "must be a number above 1, got " + ropeTheta);
    }
    if (!DTYPES.contains(torchDtype)) {
      throw new ModelConfigException("torch_dtype", "must be one of " + DTYPES + ", got " + torchDtype);
    }
  }

  /** Width of the concatenated query heads. */
  public int queryDim() {
    return numAttentionHeads * headDim;
  }

  /** Width of the concatenated key (or value) heads. */
  public int kvDim() {
    return numKeyValueHeads * headDim;
  }

  /** How many query heads share one key/value head. */
  public int queriesPerKvHead() {
    return numAttentionHeads / numKeyValueHeads;
  }

  /** Reads and validates {@code config.json}. */
  public static ModelConfig read(Path configJson) throws IOException {
    long size = Files.size(configJson);
    if (size > MAX_CONFIG_BYTES) {
      throw new ModelConfigException("(file)", "is " + size + " bytes, above the limit of " + MAX_CONFIG_BYTES);
    }
    return parse(Files.readString(configJson));
  }

  /** Parses and validates the text of a {@code config.json}. */
  public static ModelConfig parse(String json) {
    JsonNode root;
    try {
      root = JSON.readTree(json);
    } catch (JacksonException e) {
      throw new ModelConfigException("(document)", "is not valid JSON: " + e.getOriginalMessage());
    }
    if (root == null || !root.isObject()) {
      throw new ModelConfigException("(document)", "must be a JSON object");
    }
    checkArchitecture(root);
    rejectUnless(root, "rope_scaling", n -> false, "must be absent or null (only unscaled RoPE is implemented)");
    rejectUnless(root, "attention_bias", n -> n.isBoolean() && !n.booleanValue(), "must be false (biases are not supported)");
    rejectUnless(root, "mlp_bias", n -> n.isBoolean() && !n.booleanValue(), "must be false (biases are not supported)");
    rejectUnless(root, "hidden_act", n -> n.isString() && n.stringValue().equals("silu"), "must be \"silu\"");

    int hidden = requiredInt(root, "hidden_size");
    int heads = requiredInt(root, "num_attention_heads");
    int headDim;
    if (present(root, "head_dim")) {
      headDim = requiredInt(root, "head_dim");
    } else {
      if (heads <= 0 || hidden % heads != 0) {
        throw new ModelConfigException(
            "num_attention_heads", "(" + heads + ") must divide hidden_size (" + hidden + ") when head_dim is absent");
      }
      headDim = hidden / heads;
    }
    return new ModelConfig(
        hidden,
        requiredInt(root, "intermediate_size"),
        requiredInt(root, "num_hidden_layers"),
        heads,
        present(root, "num_key_value_heads") ? requiredInt(root, "num_key_value_heads") : heads,
        headDim,
        requiredInt(root, "vocab_size"),
        optionalDouble(root, "rms_norm_eps", 1e-6),
        ropeTheta(root),
        present(root, "max_position_embeddings") ? requiredInt(root, "max_position_embeddings") : 2048,
        optionalBoolean(root, "tie_word_embeddings", false),
        dtype(root));
  }

  private static void checkArchitecture(JsonNode root) {
    JsonNode arch = root.get("architectures");
    if (arch != null && !arch.isNull()) {
      if (!arch.isArray() || arch.size() != 1 || !arch.get(0).isString()
          || !arch.get(0).stringValue().equals("LlamaForCausalLM")) {
        throw new ModelConfigException("architectures", "must be [\"LlamaForCausalLM\"], got " + arch);
      }
    } else {
      JsonNode type = root.get("model_type");
      if (type == null || !type.isString() || !type.stringValue().equals("llama")) {
        throw new ModelConfigException(
            "architectures", "is missing and model_type is not \"llama\" (got " + type + ")");
      }
    }
  }

  /** Hugging Face writes {@code rope_theta}; transformers 5 nests it in {@code rope_parameters}. */
  private static double ropeTheta(JsonNode root) {
    JsonNode params = root.get("rope_parameters");
    if (params != null && !params.isNull()) {
      if (!params.isObject()) {
        throw new ModelConfigException("rope_parameters", "must be an object, got " + params);
      }
      JsonNode type = params.get("rope_type");
      if (type != null && !(type.isString() && type.stringValue().equals("default"))) {
        throw new ModelConfigException(
            "rope_parameters.rope_type", "must be \"default\" (only unscaled RoPE is implemented), got " + type);
      }
      if (present(params, "rope_theta")) {
        return number(params.get("rope_theta"), "rope_parameters.rope_theta");
      }
    }
    return optionalDouble(root, "rope_theta", 10_000.0);
  }

  private static String dtype(JsonNode root) {
    for (String field : new String[] {"torch_dtype", "dtype"}) {
      JsonNode n = root.get(field);
      if (n != null && !n.isNull()) {
        if (!n.isString()) {
          throw new ModelConfigException(field, "must be a string, got " + n);
        }
        String value = n.stringValue().toLowerCase(Locale.ROOT);
        if (!DTYPES.contains(value)) {
          throw new ModelConfigException(field, "must be one of " + DTYPES + ", got \"" + n.stringValue() + "\"");
        }
        return value;
      }
    }
    return "float32";
  }

  private static boolean present(JsonNode node, String field) {
    JsonNode n = node.get(field);
    return n != null && !n.isNull();
  }

  /** Throws unless {@code field} is absent, null, or accepted. */
  private static void rejectUnless(JsonNode root, String field, Predicate<JsonNode> accepted, String problem) {
    JsonNode n = root.get(field);
    if (n != null && !n.isNull() && !accepted.test(n)) {
      throw new ModelConfigException(field, problem + ", got " + n);
    }
  }

  private static int requiredInt(JsonNode root, String field) {
    JsonNode n = root.get(field);
    if (n == null || n.isNull()) {
      throw new ModelConfigException(field, "is missing");
    }
    if (!n.isIntegralNumber() || !n.canConvertToInt()) {
      throw new ModelConfigException(field, "must be an integer within int range, got " + n);
    }
    return n.intValue();
  }

  private static double optionalDouble(JsonNode root, String field, double fallback) {
    JsonNode n = root.get(field);
    return n == null || n.isNull() ? fallback : number(n, field);
  }

  private static double number(JsonNode n, String field) {
    if (!n.isNumber()) {
      throw new ModelConfigException(field, "must be a number, got " + n);
    }
    return n.doubleValue();
  }

  private static boolean optionalBoolean(JsonNode root, String field, boolean fallback) {
    JsonNode n = root.get(field);
    if (n == null || n.isNull()) {
      return fallback;
    }
    if (!n.isBoolean()) {
      throw new ModelConfigException(field, "must be true or false, got " + n);
    }
    return n.booleanValue();
  }

  private static void positive(String field, int value) {
    if (value <= 0) {
      throw new ModelConfigException(field, "must be positive, got " + value);
    }
  }
}
