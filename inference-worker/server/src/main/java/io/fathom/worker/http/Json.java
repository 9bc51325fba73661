package io.fathom.worker.http;

import io.fathom.engine.runtime.Usage;
import io.fathom.worker.text.GeneratedText;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ThreadLocalRandom;
import tools.jackson.core.StreamReadFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/** The worker's JSON mapper and the pieces every response shares. */
final class Json {

  static final JsonMapper MAPPER =
      JsonMapper.builder().enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();

  private Json() {}

  static ObjectNode object() {
    return MAPPER.createObjectNode();
  }

  static String write(JsonNode node) {
    return MAPPER.writeValueAsString(node);
  }

  static byte[] bytes(JsonNode node) {
    return MAPPER.writeValueAsString(node).getBytes(StandardCharsets.UTF_8);
  }

  /** A server-sent event carrying {@code node}. */
  static String sse(JsonNode node) {
    return "data: " + write(node) + "\n\n";
  }

  static final String DONE = "data: [DONE]\n\n";

  /** vLLM's {@code stop_reason}: the stop string or requested stop token id that ended the text, else null. */
  static JsonNode stopReason(GeneratedText text) {
    if (text.stopString() != null) {
      return MAPPER.getNodeFactory().stringNode(text.stopString());
    }
    return text.stopTokenId() >= 0 ? MAPPER.getNodeFactory().numberNode(text.stopTokenId()) : MAPPER.getNodeFactory().nullNode();
  }

  /** OpenAI's usage, with {@code prompt_tokens_details.cached_tokens}. */
  static ObjectNode usage(Usage usage, int completionTokens) {
    ObjectNode u = object();
    u.put("prompt_tokens", usage.promptTokens());
    u.put("completion_tokens", completionTokens);
    u.put("total_tokens", usage.promptTokens() + completionTokens);
    u.putObject("prompt_tokens_details").put("cached_tokens", usage.cachedPromptTokens());
    return u;
  }

  static ObjectNode error(ApiException e) {
    ObjectNode root = object();
    ObjectNode error = root.putObject("error");
    error.put("message", e.getMessage());
    error.put("type", e.type());
    if (e.param() == null) {
      error.putNull("param");
    } else {
      error.put("param", e.param());
    }
    error.put("code", e.status());
    return root;
  }

  /** A random id with a prefix, e.g. {@code cmpl-3f2a…}. */
  static String id(String prefix) {
    ThreadLocalRandom r = ThreadLocalRandom.current();
    return prefix + Long.toHexString(r.nextLong() | Long.MIN_VALUE) + Long.toHexString(r.nextLong() | Long.MIN_VALUE);
  }
}
