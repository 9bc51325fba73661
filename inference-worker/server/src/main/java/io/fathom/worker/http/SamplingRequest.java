package io.fathom.worker.http;

import io.fathom.engine.sampling.SamplingParams;
import io.fathom.protocol.tokenizer.HfTokenizer;
import io.fathom.worker.text.GeneratedText;
import io.fathom.worker.text.OutputDecoder;
import io.fathom.worker.text.StopStrings;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.IntPredicate;
import tools.jackson.databind.JsonNode;

/**
 * The fields that completions and chat completions share: sampling (OpenAI's and vLLM's names), stops, the
 * session and the response options.
 *
 * @param maxTokens the requested limit, or null for the endpoint's default
 * @param session {@code session_id}: the request continues (and then pins) this session's prefix
 */
record SamplingRequest(
    double temperature,
    double topP,
    int topK,
    double minP,
    double repetitionPenalty,
    Long seed,
    Integer maxTokens,
    List<String> stop,
    int[] stopTokenIds,
    boolean includeStopStrInOutput,
    boolean ignoreEos,
    boolean skipSpecialTokens,
    String session,
    boolean returnTokenIds,
    boolean stream,
    boolean includeUsage) {

  static final int MAX_STOP_STRINGS = 16;
  static final int MAX_STOP_LENGTH = 1000;
  static final int MAX_SESSION_LENGTH = 256;

  /**
   * @param maxTokensFields the names of the max-tokens field, the first given one wins (chat also takes
   *     {@code max_completion_tokens})
   */
  static SamplingRequest parse(JsonNode body, int vocab, String... maxTokensFields) {
    unsupported(body);
    double temperature = Fields.number(body, "temperature", 1.0, 0, false, Double.POSITIVE_INFINITY);
    double topP = Fields.number(body, "top_p", 1.0, 0, true, 1);
    Integer topK = Fields.integer(body, "top_k", -1, Integer.MAX_VALUE);
    double minP = Fields.number(body, "min_p", 0.0, 0, false, 1);
    double repetitionPenalty = Fields.number(body, "repetition_penalty", 1.0, 0, true, Double.POSITIVE_INFINITY);
    Long seed = Fields.integer(body, "seed");
    Integer maxTokens = null;
    for (String field : maxTokensFields) {
      Long value = Fields.integer(body, field);
      if (value != null) {
        if (value < 1) {
          throw ApiException.badRequest(field, field + " must be at least 1, got " + value);
        }
        maxTokens = (int) Math.min(value, Integer.MAX_VALUE);
        break;
      }
    }
    List<String> stop = Fields.strings(body, "stop", MAX_STOP_STRINGS, MAX_STOP_LENGTH);
    JsonNode stopIds = Fields.get(body, "stop_token_ids");
    int[] stopTokenIds = stopIds == null ? new int[0] : Fields.tokenIds(stopIds, "stop_token_ids", vocab, 1024);
    String session = Fields.string(body, "session_id", MAX_SESSION_LENGTH);
    if (session != null && session.isBlank()) {
      throw ApiException.badRequest("session_id", "session_id must not be blank");
    }
    boolean stream = Fields.bool(body, "stream", false);
    JsonNode streamOptions = Fields.get(body, "stream_options");
    boolean includeUsage = false;
    if (streamOptions != null) {
      if (!streamOptions.isObject()) {
        throw ApiException.badRequest("stream_options", "stream_options must be an object");
      }
      includeUsage = Fields.bool(streamOptions, "include_usage", false);
    }
    return new SamplingRequest(
        temperature, topP, topK == null || topK < 1 ? 0 : topK, minP, repetitionPenalty, seed, maxTokens, stop,
        stopTokenIds, Fields.bool(body, "include_stop_str_in_output", false), Fields.bool(body, "ignore_eos", false),
        Fields.bool(body, "skip_special_tokens", true), session, Fields.bool(body, "return_token_ids", false), stream,
        includeUsage);
  }

  /** Known OpenAI / vLLM fields the worker cannot honour: refused unless they have their neutral value. */
  private static void unsupported(JsonNode body) {
    Long n = Fields.integer(body, "n");
    if (n != null && n != 1) {
      throw ApiException.badRequest("n", "n must be 1: the worker returns one choice per request");
    }
    Long bestOf = Fields.integer(body, "best_of");
    if (bestOf != null && bestOf != 1) {
      throw ApiException.badRequest("best_of", "best_of must be 1: the worker returns one choice per request");
    }
    for (String field : List.of("presence_penalty", "frequency_penalty")) {
      if (Fields.number(body, field, 0) != 0) {
        throw ApiException.badRequest(field, field + " is not supported (use repetition_penalty)");
      }
    }
    JsonNode logitBias = Fields.get(body, "logit_bias");
    if (logitBias != null && !(logitBias.isObject() && logitBias.isEmpty())) {
      throw ApiException.badRequest("logit_bias", "logit_bias is not supported");
    }
    if (Fields.bool(body, "use_beam_search", false)) {
      throw ApiException.badRequest("use_beam_search", "beam search is not supported");
    }
    if (Fields.get(body, "prompt_logprobs") != null) {
      throw ApiException.badRequest("prompt_logprobs", "prompt_logprobs is not supported");
    }
  }

  /**
   * The text of a generation for {@code prompt} with these parameters: stop strings and {@code
   * include_stop_str_in_output} from the request, stop ids from {@code params}, and {@code eosIds} (those given
   * to {@link #toParams}) ending it without a {@code stop_reason} unless {@code ignore_eos}.
   */
  GeneratedText newText(HfTokenizer tokenizer, int[] prompt, SamplingParams params, int[] eosIds) {
    IntPredicate endsByDefault = id -> !ignoreEos && Arrays.stream(eosIds).anyMatch(e -> e == id);
    return new GeneratedText(new OutputDecoder(tokenizer, skipSpecialTokens, prompt),
        new StopStrings(stop, includeStopStrInOutput), params.stopTokenIds(), includeStopStrInOutput, endsByDefault);
  }

  /** The engine's parameters: EOS ids unless {@code ignore_eos}, plus the request's stop ids. */
  SamplingParams toParams(int maxTokens, int[] eosIds, int logprobs) {
    List<Integer> stops = new ArrayList<>();
    if (!ignoreEos) {
      Arrays.stream(eosIds).forEach(stops::add);
    }
    for (int id : stopTokenIds) {
      if (!stops.contains(id)) {
        stops.add(id);
      }
    }
    return new SamplingParams(
        temperature, topK, topP, minP, repetitionPenalty, seed, maxTokens, stops, logprobs);
  }
}
