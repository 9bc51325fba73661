package io.fathom.worker.http;

import io.fathom.protocol.tokenizer.HfTokenizer;
import io.fathom.worker.model.LoadedModel;
import io.fathom.worker.text.OutputDecoder;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/** vLLM's {@code POST /tokenize} (a prompt, or chat messages through the template) and {@code POST /detokenize}. */
final class TokenizeApi {

  static final int MAX_DETOKENIZE_IDS = 4_000_000;

  private TokenizeApi() {}

  static ObjectNode tokenize(JsonNode body, LoadedModel model, int maxSequenceLength) {
    if (body == null || !body.isObject()) {
      throw ApiException.badRequest(null, "the request body must be a JSON object");
    }
    HfTokenizer tokenizer = model.tokenizer();
    int[] ids;
    if (Fields.get(body, "messages") != null) {
      ids = tokenizer.encode(ChatApi.render(body, model).text());
    } else {
      JsonNode prompt = Fields.get(body, "prompt");
      if (prompt == null || !prompt.isString()) {
        throw ApiException.badRequest("prompt", "prompt (a string) or messages (an array) is required");
      }
      ids = tokenizer.encode(prompt.stringValue());
    }
    ObjectNode out = Json.object();
    out.put("count", ids.length);
    out.put("max_model_len", maxSequenceLength);
    ArrayNode tokens = out.putArray("tokens");
    for (int id : ids) {
      tokens.add(id);
    }
    if (Fields.bool(body, "return_token_strs", false)) {
      ArrayNode strs = out.putArray("token_strs");
      for (int id : ids) {
        strs.add(tokenizer.idToToken(id));
      }
    } else {
      out.putNull("token_strs");
    }
    return out;
  }

  static ObjectNode detokenize(JsonNode body, LoadedModel model) {
    if (body == null || !body.isObject()) {
      throw ApiException.badRequest(null, "the request body must be a JSON object");
    }
    JsonNode tokens = Fields.get(body, "tokens");
    if (tokens == null) {
      throw ApiException.badRequest("tokens", "tokens (an array of token ids) is required");
    }
    HfTokenizer tokenizer = model.tokenizer();
    int[] ids = Fields.tokenIds(tokens, "tokens", tokenizer.vocabSize(), MAX_DETOKENIZE_IDS);
    for (int i = 0; i < ids.length; i++) {
      try {
        tokenizer.idToToken(ids[i]);
      } catch (IllegalArgumentException e) {
        throw ApiException.badRequest("tokens", "tokens[" + i + "] = " + ids[i] + " is not in the tokenizer's vocabulary");
      }
    }
    ObjectNode out = Json.object();
    out.put("prompt", OutputDecoder.decode(tokenizer, ids, Fields.bool(body, "skip_special_tokens", false)));
    return out;
  }
}
