package io.fathom.worker.http;

import io.fathom.engine.runtime.FinishReason;
import io.fathom.engine.runtime.Usage;
import io.fathom.engine.sampling.SampledToken;
import io.fathom.engine.sampling.SamplingParams;
import io.fathom.engine.sampling.TokenLogprob;
import io.fathom.protocol.tokenizer.HfTokenizer;
import io.fathom.worker.model.LoadedModel;
import io.fathom.worker.text.GeneratedText;
import io.fathom.worker.text.OutputDecoder;
import java.util.ArrayList;
import java.util.List;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code POST /v1/completions}: a prompt as text or token ids; OpenAI's fields plus vLLM's
 * ({@code return_token_ids}, {@code return_tokens_as_token_ids}, {@code stop_token_ids}, {@code top_k},
 * {@code min_p}, {@code repetition_penalty}, …) and Fathom's {@code session_id}.
 */
final class CompletionsApi {

  /** OpenAI's default for completions. */
  static final int DEFAULT_MAX_TOKENS = 16;

  /** A validated request, ready to run. */
  record Prepared(
      int[] prompt, boolean promptWasText, SamplingRequest sampling, SamplingParams params, int logprobs,
      boolean echo, boolean tokensAsIds) {}

  private CompletionsApi() {}

  static Prepared prepare(JsonNode body, LoadedModel model, int maxSequenceLength) {
    if (body == null || !body.isObject()) {
      throw ApiException.badRequest(null, "the request body must be a JSON object");
    }
    int vocab = model.config().vocabSize();
    SamplingRequest sampling = SamplingRequest.parse(body, vocab, "max_tokens");
    if (Fields.get(body, "suffix") != null) {
      throw ApiException.badRequest("suffix", "suffix is not supported");
    }
    Integer logprobs = Fields.integer(body, "logprobs", 0, SamplingParams.MAX_LOGPROBS);
    boolean echo = Fields.bool(body, "echo", false);
    boolean tokensAsIds = Fields.bool(body, "return_tokens_as_token_ids", false);
    JsonNode promptNode = Fields.get(body, "prompt");
    if (promptNode == null) {
      throw ApiException.badRequest("prompt", "prompt is required: a string or an array of token ids");
    }
    boolean text;
    int[] prompt;
    if (promptNode.isArray() && promptNode.size() == 1 && (promptNode.get(0).isString() || promptNode.get(0).isArray())) {
      promptNode = promptNode.get(0); // a batch of one
    }
    if (promptNode.isString()) {
      text = true;
      prompt = model.tokenizer().encode(promptNode.stringValue());
    } else if (promptNode.isArray()) {
      if (!promptNode.isEmpty() && (promptNode.get(0).isString() || promptNode.get(0).isArray())) {
        throw ApiException.badRequest("prompt", "batched prompts are not supported: send one prompt per request");
      }
      text = false;
      prompt = Fields.tokenIds(promptNode, "prompt", vocab, maxSequenceLength + 1);
    } else {
      throw ApiException.badRequest("prompt", "prompt must be a string or an array of token ids, got " + Fields.brief(promptNode));
    }
    if (prompt.length == 0) {
      throw ApiException.badRequest("prompt", "prompt is empty");
    }
    int maxTokens = sampling.maxTokens() == null ? DEFAULT_MAX_TOKENS : sampling.maxTokens();
    checkLength(prompt.length, maxTokens, sampling.maxTokens() != null, maxSequenceLength, "prompt");
    if (sampling.maxTokens() == null) {
      maxTokens = Math.min(maxTokens, maxSequenceLength - prompt.length);
    }
    SamplingParams params = sampling.toParams(maxTokens, model.stopTokenIds(), logprobs == null ? 0 : logprobs);
    return new Prepared(prompt, text, sampling, params, logprobs == null ? -1 : logprobs, echo, tokensAsIds);
  }

  /** vLLM's rule: the prompt must leave room for one token, and prompt + max_tokens must fit the context. */
  static void checkLength(int promptTokens, int maxTokens, boolean maxTokensGiven, int maxSequenceLength, String promptField) {
    if (promptTokens >= maxSequenceLength) {
      throw ApiException.badRequest(
          promptField, "the prompt is " + promptTokens + " tokens; this model's maximum context length is "
              + maxSequenceLength + " tokens (prompt and output), so the prompt must be shorter");
    }
    if (maxTokensGiven && (long) promptTokens + maxTokens > maxSequenceLength) {
      throw ApiException.badRequest(
          "max_tokens", "this model's maximum context length is " + maxSequenceLength + " tokens; you requested "
              + ((long) promptTokens + maxTokens) + " tokens (" + promptTokens + " in the prompt, " + maxTokens
              + " in the completion). Reduce max_tokens to at most " + (maxSequenceLength - promptTokens) + ".");
    }
  }

  /** Builds the response(s) of one run. */
  static final class Assembler {
    private final LoadedModel model;
    private final HfTokenizer tokenizer;
    private final Prepared request;
    private final GenerationRun run;
    private final String id = Json.id("cmpl-");
    private final long created = System.currentTimeMillis() / 1000;
    private final GeneratedText generated;
    private final List<Integer> tokens;
    private final StringBuilder text = new StringBuilder();
    private final Logprobs logprobs;
    private String finishReason;
    private Usage usage;

    Assembler(LoadedModel model, Prepared request, GenerationRun run) {
      this.model = model;
      this.tokenizer = model.tokenizer();
      this.request = request;
      this.run = run;
      this.generated = request.sampling().newText(tokenizer, request.prompt(), request.params(), model.stopTokenIds());
      this.tokens = generated.tokens();
      this.logprobs = request.logprobs() >= 0 ? new Logprobs(tokenizer, request.tokensAsIds()) : null;
    }

    /** The echoed prompt's text and logprob entries (null logprobs: prompt logprobs are not computed). */
    String echo() {
      if (!request.echo()) {
        return "";
      }
      StringBuilder promptText = new StringBuilder();
      var d = tokenizer.newIncrementalDecoder(request.sampling().skipSpecialTokens());
      for (int t : request.prompt()) {
        String piece = safeNext(d, t);
        if (logprobs != null) {
          logprobs.add(tokenString(t), null, null, promptText.length());
        }
        promptText.append(piece);
      }
      promptText.append(d.finish());
      text.append(promptText);
      return promptText.toString();
    }

    private String safeNext(io.fathom.protocol.tokenizer.IncrementalDecoder d, int t) {
      try {
        return t < tokenizer.vocabSize() ? d.next(t) : "";
      } catch (IllegalArgumentException e) {
        return "";
      }
    }

    /** The text a token adds (after stop strings); null once a stop string ended the output. */
    String accept(SampledToken token) {
      if (generated.stoppedByString()) {
        return null;
      }
      int id = token.token();
      int offset = text.length();
      String piece = generated.accept(id);
      text.append(piece);
      if (logprobs != null) {
        logprobs.add(tokenString(id), token.logprob(), token.topLogprobs(), offset);
      }
      if (generated.stoppedByString()) {
        finishReason = "stop";
        run.finishLabel(finishReason);
        run.stop();
      }
      return piece;
    }

    /** The remaining text at the end. */
    String finish(FinishReason reason, Usage usage) {
      this.usage = usage;
      if (generated.stoppedByString()) {
        return "";
      }
      String rest = generated.finish(reason);
      text.append(rest);
      finishReason = generated.stoppedByString() ? "stop" : switch (reason) {
        case STOP -> "stop";
        case LENGTH -> "length";
        case CANCELLED -> "abort";
      };
      run.finishLabel(finishReason);
      return rest;
    }

    private String tokenString(int id) {
      return request.tokensAsIds() ? "token_id:" + id : OutputDecoder.tokenText(tokenizer, id);
    }

    ObjectNode response() {
      ObjectNode root = head("text_completion");
      ObjectNode choice = root.putArray("choices").addObject();
      choice.put("index", 0);
      choice.put("text", text.toString());
      if (logprobs == null) {
        choice.putNull("logprobs");
      } else {
        choice.set("logprobs", logprobs.node(0, logprobs.size()));
      }
      choice.put("finish_reason", finishReason);
      choice.set("stop_reason", Json.stopReason(generated));
      if (request.sampling().returnTokenIds()) {
        ArrayNode ids = choice.putArray("token_ids");
        tokens.forEach(ids::add);
        ArrayNode promptIds = choice.putArray("prompt_token_ids");
        for (int t : request.prompt()) {
          promptIds.add(t);
        }
      }
      root.set("usage", Json.usage(usage, tokens.size()));
      return root;
    }

    private ObjectNode head(String object) {
      ObjectNode root = Json.object();
      root.put("id", id);
      root.put("object", object);
      root.put("created", created);
      root.put("model", model.name());
      return root;
    }

    private ObjectNode chunk(String delta, int logprobsFrom, Integer tokenId, String finish) {
      ObjectNode root = head("text_completion");
      ObjectNode choice = root.putArray("choices").addObject();
      choice.put("index", 0);
      choice.put("text", delta);
      if (logprobs == null) {
        choice.putNull("logprobs");
      } else {
        choice.set("logprobs", logprobs.node(logprobsFrom, logprobs.size()));
      }
      if (finish == null) {
        choice.putNull("finish_reason");
        choice.putNull("stop_reason");
      } else {
        choice.put("finish_reason", finish);
        choice.set("stop_reason", Json.stopReason(generated));
      }
      if (request.sampling().returnTokenIds()) {
        ArrayNode ids = choice.putArray("token_ids");
        if (tokenId != null) {
          ids.add(tokenId);
        }
      }
      return root;
    }

    /** The whole response once the run ends. */
    Mono<ObjectNode> collect(Flux<GenerationRun.Event> events) {
      echo();
      return events
          .doOnNext(
              event -> {
                switch (event) {
                  case GenerationRun.Event.Token t -> accept(t.token());
                  case GenerationRun.Event.Finished f -> finish(f.reason(), f.usage());
                }
              })
          .then(Mono.fromSupplier(this::response));
    }

    /** The server-sent events of the run, ending with {@code [DONE]}. */
    Flux<String> stream(Flux<GenerationRun.Event> events) {
      List<String> first = new ArrayList<>();
      if (request.echo()) {
        int from = logprobs == null ? 0 : logprobs.size();
        String promptText = echo();
        ObjectNode c = chunk(promptText, from, null, null);
        if (request.sampling().returnTokenIds()) {
          ArrayNode promptIds = ((ObjectNode) c.path("choices").get(0)).putArray("prompt_token_ids");
          for (int t : request.prompt()) {
            promptIds.add(t);
          }
        }
        first.add(Json.sse(c));
      }
      Flux<String> body =
          events.concatMapIterable(
              event ->
                  switch (event) {
                    case GenerationRun.Event.Token t -> {
                      int from = logprobs == null ? 0 : logprobs.size();
                      String delta = accept(t.token());
                      yield delta == null ? List.of() : List.of(Json.sse(chunk(delta, from, t.token().token(), generated.stoppedByString() ? finishReason : null)));
                    }
                    case GenerationRun.Event.Finished f -> {
                      boolean alreadyFinished = generated.stoppedByString();
                      int from = logprobs == null ? 0 : logprobs.size();
                      String rest = finish(f.reason(), f.usage());
                      List<String> out = new ArrayList<>();
                      if (!alreadyFinished) {
                        out.add(Json.sse(chunk(rest, from, null, finishReason)));
                      }
                      if (request.sampling().includeUsage()) {
                        ObjectNode u = head("text_completion");
                        u.putArray("choices");
                        u.set("usage", Json.usage(usage, tokens.size()));
                        out.add(Json.sse(u));
                      }
                      yield out;
                    }
                  });
      return Flux.fromIterable(first).concatWith(body).concatWith(Flux.just(Json.DONE));
    }
  }

  /** OpenAI's legacy logprobs: tokens, token_logprobs, top_logprobs, text_offset. */
  private static final class Logprobs {
    private final List<String> tokens = new ArrayList<>();
    private final List<Double> values = new ArrayList<>();
    private final List<List<TokenLogprob>> tops = new ArrayList<>();
    private final List<Integer> offsets = new ArrayList<>();
    private final HfTokenizer tokenizer;
    private final boolean tokensAsIds;

    Logprobs(HfTokenizer tokenizer, boolean tokensAsIds) {
      this.tokenizer = tokenizer;
      this.tokensAsIds = tokensAsIds;
    }

    void add(String token, Double logprob, List<TokenLogprob> top, int offset) {
      tokens.add(token);
      values.add(logprob);
      tops.add(top);
      offsets.add(offset);
    }

    int size() {
      return tokens.size();
    }

    ObjectNode node(int from, int to) {
      ObjectNode n = Json.object();
      ArrayNode t = n.putArray("tokens");
      ArrayNode v = n.putArray("token_logprobs");
      ArrayNode top = n.putArray("top_logprobs");
      ArrayNode off = n.putArray("text_offset");
      for (int i = from; i < to; i++) {
        t.add(tokens.get(i));
        if (values.get(i) == null) {
          v.addNull();
        } else {
          v.add(values.get(i));
        }
        if (tops.get(i) == null) {
          top.addNull();
        } else {
          ObjectNode m = top.addObject();
          for (TokenLogprob lp : tops.get(i)) {
            String key = tokensAsIds ? "token_id:" + lp.token() : OutputDecoder.tokenText(tokenizer, lp.token());
            if (!m.has(key)) {
              m.put(key, lp.logprob());
            }
          }
        }
        off.add(offsets.get(i));
      }
      return n;
    }
  }
}
