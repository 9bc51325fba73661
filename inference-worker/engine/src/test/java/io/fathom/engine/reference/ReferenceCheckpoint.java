package io.fathom.engine.reference;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.Stream;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A deliberately separate, minimal reader of a Hugging Face Llama checkpoint for the reference model:
 * reads {@code config.json} and every {@code *.safetensors} file of a directory whole into memory and
 * widens each tensor to f64 with its own bit manipulation. Shares no code with the engine.
 */
public record ReferenceCheckpoint(
    int hidden,
    int intermediate,
    int layers,
    int heads,
    int kvHeads,
    int headDim,
    int vocab,
    double eps,
    double theta,
    boolean tied,
    Map<String, double[]> tensors) {

  private static final JsonMapper JSON = JsonMapper.builder().build();

  public static ReferenceCheckpoint read(Path directory) throws IOException {
    JsonNode c = JSON.readTree(Files.readString(directory.resolve("config.json")));
    int hidden = c.get("hidden_size").intValue();
    int heads = c.get("num_attention_heads").intValue();
    Map<String, double[]> tensors = new HashMap<>();
    try (Stream<Path> files = Files.list(directory)) {
      for (Path file : files.filter(f -> f.toString().endsWith(".safetensors")).toList()) {
        readSafetensors(Files.readAllBytes(file), tensors);
      }
    }
    return new ReferenceCheckpoint(
        hidden,
        c.get("intermediate_size").intValue(),
        c.get("num_hidden_layers").intValue(),
        heads,
        c.get("num_key_value_heads").intValue(),
        c.has("head_dim") ? c.get("head_dim").intValue() : hidden / heads,
        c.get("vocab_size").intValue(),
        c.get("rms_norm_eps").doubleValue(),
        c.get("rope_theta").doubleValue(),
        c.has("tie_word_embeddings") && c.get("tie_word_embeddings").booleanValue(),
        tensors);
  }

  public double[] tensor(String name) {
    double[] t = tensors.get(name);
    if (t == null) {
      throw new IllegalArgumentException("reference checkpoint has no " + name);
    }
    return t;
  }

  private static void readSafetensors(byte[] bytes, Map<String, double[]> out) {
    ByteBuffer buffer = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    int headerLength = (int) buffer.getLong(0);
    JsonNode header = JSON.readTree(new String(bytes, 8, headerLength, StandardCharsets.UTF_8));
    int dataStart = 8 + headerLength;
    for (Map.Entry<String, JsonNode> e : header.properties()) {
      if (e.getKey().equals("__metadata__")) {
        continue;
      }
      String dtype = e.getValue().get("dtype").stringValue();
      long begin = e.getValue().get("data_offsets").get(0).longValue();
      long end = e.getValue().get("data_offsets").get(1).longValue();
      int width = dtype.equals("F32") ? 4 : 2;
      double[] values = new double[(int) ((end - begin) / width)];
      for (int i = 0; i < values.length; i++) {
        int at = (int) (dataStart + begin + (long) i * width);
        values[i] =
            switch (dtype) {
              case "F32" -> Float.intBitsToFloat(buffer.getInt(at));
              case "BF16" -> Float.intBitsToFloat((buffer.getShort(at) & 0xFFFF) << 16);
              case "F16" -> halfToDouble(buffer.getShort(at) & 0xFFFF);
              default -> throw new IllegalArgumentException("reference reader: dtype " + dtype);
            };
      }
      out.put(e.getKey(), values);
    }
  }

  /** IEEE 754 binary16 by its definition: (-1)^s · 2^(e-15) · 1.m, or 2^-14 · 0.m for subnormals. */
  static double halfToDouble(int bits) {
    int sign = (bits >> 15) == 1 ? -1 : 1;
    int exponent = (bits >> 10) & 0x1F;
    int mantissa = bits & 0x3FF;
    if (exponent == 0x1F) {
      return mantissa == 0 ? sign * Double.POSITIVE_INFINITY : Double.NaN;
    }
    if (exponent == 0) {
      return sign * Math.scalb(mantissa / 1024.0, -14);
    }
    return sign * Math.scalb(1 + mantissa / 1024.0, exponent - 15);
  }
}
