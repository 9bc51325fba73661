package io.fathom.orchestrator.model;

import io.fathom.orchestrator.config.FathomProperties;
import io.fathom.orchestrator.routing.WorkerRouter;
import io.fathom.protocol.openai.ChatCompletionResponse;
import io.fathom.protocol.openai.ChatMessage;
import io.fathom.protocol.openai.ToolCall;
import io.fathom.protocol.openai.Usage;
import io.fathom.tools.net.QueuedConnections;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import org.springframework.core.codec.DecodingException;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.stereotype.Component;
import org.springframework.web.reactive.function.client.WebClient;
import org.springframework.web.reactive.function.client.WebClientRequestException;
import org.springframework.http.codec.ServerSentEvent;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.util.retry.Retry;
import tools.jackson.databind.JsonNode;

/**
 * Calls OpenAI-compatible {@code /chat/completions} on the configured servers. A job starts on
 * the server its {@code affinity} picks and moves to the next one when an attempt fails;
 * time-outs, connection failures, 408/429/5xx answers and unreadable responses are retried with
 * exponential backoff; other 4xx answers fail at once. With {@code FATHOM_INFERENCE_API_KEY} every
 * request (the {@code /models} probe included) carries {@code Authorization: Bearer KEY}.
 */
@Component
public class ModelClient {

  private final WebClient web;
  private final WorkerRouter router;
  private final tools.jackson.databind.json.JsonMapper json;
  private final FathomProperties.Model settings;
  private final Map<String, Mono<ModelInfo>> models = new ConcurrentHashMap<>();

  public ModelClient(
      WebClient.Builder builder, FathomProperties properties, WorkerRouter router, tools.jackson.databind.json.JsonMapper json) {
    // Jobs wait for the model concurrently by the thousand: queue for a connection rather than fail.
    WebClient.Builder web =
        builder
            .clone()
            .clientConnector(QueuedConnections.connector("fathom-model", properties.model().maxConnections()))
            .codecs(c -> c.defaultCodecs().maxInMemorySize(32 << 20));
    properties.inferenceAuthorization().ifPresent(value -> web.defaultHeader(HttpHeaders.AUTHORIZATION, value));
    this.web = web.build();
    this.router = router;
    this.json = json;
    this.settings = properties.model();
  }

  public boolean configured() {
    return !router.isEmpty();
  }

  /** The job ended: its server need not be kept for it. */
  public void release(UUID job) {
    router.release(job);
  }

  /**
   * One round: {@code body} makes the request for a model name. Fails with {@link
   * ModelUnavailableException} once every attempt failed.
   */
  public Mono<ModelReply> complete(UUID job, Function<String, byte[]> body) {
    return withFailover(job, (server, model) -> call(server, body.apply(model.name())));
  }

  /**
   * One round against a server that takes token prompts: {@code body} makes the {@code
   * /completions} request (prompt as token ids, {@code return_token_ids}) for a model name. The
   * reply must carry the generated ids ({@code choices[0].token_ids}, vLLM's extension).
   */
  public Mono<TokenReply> completeTokens(UUID job, Function<ModelInfo, byte[]> body) {
    return withFailover(job, (server, model) -> Mono.fromCallable(() -> body.apply(model)).flatMap(b -> callTokens(server, b)));
  }

  /**
   * Like {@link #complete}, with the request streaming ({@code "stream": true}): {@code onText}
   * gets each chunk's reasoning and content pieces (either may be null) as they come; tool calls
   * are assembled from their deltas by index. An attempt that fails midway is retried whole.
   */
  public Mono<ModelReply> completeStreaming(UUID job, Function<String, byte[]> body, java.util.function.BiConsumer<String, String> onText) {
    return withFailover(job, (server, model) -> callStreaming(server, body.apply(model.name()), onText));
  }

  private Mono<ModelReply> callStreaming(String server, byte[] body, java.util.function.BiConsumer<String, String> onText) {
    long start = System.nanoTime();
    StreamedChat acc = new StreamedChat();
    return sse(server, "/chat/completions", body)
        .concatMap(chunk -> acc.add(chunk, onText))
        .then(Mono.defer(() -> acc.reply(server, (System.nanoTime() - start) / 1_000_000)));
  }

  /** The data of a streamed answer's events, parsed, until {@code [DONE]}. */
  private Flux<JsonNode> sse(String server, String path, byte[] body) {
    return web.post()
        .uri(server + path)
        .contentType(MediaType.APPLICATION_JSON)
        .accept(MediaType.TEXT_EVENT_STREAM)
        .bodyValue(body)
        .exchangeToFlux(
            response -> {
              int status = response.statusCode().value();
              if (status >= 400) {
                return response.bodyToMono(String.class).defaultIfEmpty("")
                    .flatMapMany(text -> Flux.<String>error(new ServerAnswer(server, status, text)));
              }
              return response.bodyToFlux(SSE_STRINGS).mapNotNull(ServerSentEvent::data);
            })
        .timeout(settings.timeout())
        .takeWhile(data -> !data.strip().equals("[DONE]"))
        .map(json::readTree);
  }

  /** A streamed chat answer gathered chunk by chunk: text, reasoning, tool calls by index, finish, usage. */
  private static final class StreamedChat {
    private final StringBuilder content = new StringBuilder();
    private final StringBuilder reasoning = new StringBuilder();
    private final java.util.TreeMap<Integer, String[]> calls = new java.util.TreeMap<>(); // id, name, arguments
    private String finishReason;
    private Usage usage;

    Mono<Void> add(JsonNode chunk, java.util.function.BiConsumer<String, String> onText) {
      JsonNode choice = chunk.path("choices").path(0);
      JsonNode delta = choice.path("delta");
      String text = delta.path("content").isString() ? delta.path("content").asString() : null;
      JsonNode r = delta.has("reasoning_content") ? delta.path("reasoning_content") : delta.path("reasoning");
      String thought = r.isString() ? r.asString() : null;
      if (text != null) {
        content.append(text);
      }
      if (thought != null) {
        reasoning.append(thought);
      }
      if (text != null || thought != null) {
        onText.accept(thought, text);
      }
      for (JsonNode call : delta.path("tool_calls")) {
        String[] c = calls.computeIfAbsent(call.path("index").asInt(calls.size()), i -> new String[] {null, null, ""});
        if (call.path("id").isString()) {
          c[0] = call.path("id").asString();
        }
        if (call.path("function").path("name").isString()) {
          c[1] = call.path("function").path("name").asString();
        }
        if (call.path("function").path("arguments").isString()) {
          c[2] += call.path("function").path("arguments").asString();
        }
      }
      if (choice.hasNonNull("finish_reason")) {
        finishReason = choice.path("finish_reason").asString();
      }
      JsonNode u = chunk.path("usage");
      if (u.isObject()) {
        long prompt = u.path("prompt_tokens").asLong(0);
        long completion = u.path("completion_tokens").asLong(0);
        usage = new Usage(prompt, completion, prompt + completion);
      }
      return Mono.empty();
    }

    Mono<ModelReply> reply(String server, long ms) {
      if (finishReason == null) {
        return Mono.error(new BadResponse(server + " ended the stream without a finish_reason"));
      }
      List<ToolCall> toolCalls = calls.values().stream().map(c -> ToolCall.function(c[0], c[1], c[2])).toList();
      return Mono.just(
          new ModelReply(
              content.toString(), reasoning.isEmpty() ? null : reasoning.toString(), toolCalls, finishReason,
              usage == null ? Usage.ZERO : usage, ms, server));
    }
  }

  /**
   * Like {@link #completeTokens}, with the request streaming ({@code "stream": true}): {@code onIds}
   * gets each chunk's new ids as they come. An attempt that fails midway is retried whole (its
   * chunks were passed on already).
   */
  public Mono<TokenReply> completeTokensStreaming(UUID job, Function<ModelInfo, byte[]> body, java.util.function.Consumer<int[]> onIds) {
    return withFailover(
        job, (server, model) -> Mono.fromCallable(() -> body.apply(model)).flatMap(b -> callTokensStreaming(server, b, onIds)));
  }

  private Mono<TokenReply> callTokensStreaming(String server, byte[] body, java.util.function.Consumer<int[]> onIds) {
    long start = System.nanoTime();
    StreamedTokens acc = new StreamedTokens();
    return sse(server, "/completions", body)
        .concatMap(chunk -> acc.add(server, chunk, onIds))
        .then(Mono.defer(() -> acc.reply(server, (System.nanoTime() - start) / 1_000_000)));
  }

  private static final org.springframework.core.ParameterizedTypeReference<ServerSentEvent<String>> SSE_STRINGS =
      new org.springframework.core.ParameterizedTypeReference<>() {};

  /** The ids, finish reason and usage of a streamed completion, gathered chunk by chunk. */
  private final class StreamedTokens {
    private int[] ids = new int[256];
    private int size;
    private String finishReason;
    private JsonNode usage;

    Mono<Void> add(String server, JsonNode chunk, java.util.function.Consumer<int[]> onIds) {
      JsonNode choice = chunk.path("choices").path(0);
      JsonNode delta = choice.path("token_ids");
      if (delta.isArray() && !delta.isEmpty()) {
        int[] fresh = new int[delta.size()];
        for (int i = 0; i < fresh.length; i++) {
          JsonNode id = delta.get(i);
          if (!id.isIntegralNumber() || id.asLong() < 0 || id.asLong() > Integer.MAX_VALUE) {
            return Mono.error(new BadResponse(server + " streamed token_ids[" + i + "] = " + id + ", not a token id"));
          }
          fresh[i] = id.asInt();
        }
        if (size + fresh.length > ids.length) {
          ids = java.util.Arrays.copyOf(ids, Math.max(ids.length * 2, size + fresh.length));
        }
        System.arraycopy(fresh, 0, ids, size, fresh.length);
        size += fresh.length;
        onIds.accept(fresh);
      }
      if (choice.hasNonNull("finish_reason")) {
        finishReason = choice.path("finish_reason").asString();
      }
      if (chunk.hasNonNull("usage")) {
        usage = chunk.path("usage");
      }
      return Mono.empty();
    }

    Mono<TokenReply> reply(String server, long ms) {
      if (finishReason == null) {
        return Mono.error(new BadResponse(server + " ended the stream without a finish_reason"));
      }
      return toTokenReply(server, completion(), ms);
    }

    /** The stream as one non-streamed answer. */
    private JsonNode completion() {
      tools.jackson.databind.node.ObjectNode r = json.createObjectNode();
      tools.jackson.databind.node.ObjectNode choice = r.putArray("choices").addObject();
      tools.jackson.databind.node.ArrayNode out = choice.putArray("token_ids");
      for (int i = 0; i < size; i++) {
        out.add(ids[i]);
      }
      choice.put("finish_reason", finishReason);
      if (usage != null) {
        r.set("usage", usage);
      } else {
        r.putObject("usage").put("completion_tokens", size);
      }
      return r;
    }
  }

  /**
   * Calls the job's server ({@link WorkerRouter}); an attempt that fails for the server's sake
   * marks it for avoidance, so the retry goes to another server within the same round.
   */
  private <T> Mono<T> withFailover(UUID job, java.util.function.BiFunction<String, ModelInfo, Mono<T>> call) {
    if (router.isEmpty()) {
      return Mono.error(
          new ModelUnavailableException(
              "no_inference_server", "no model server is configured: set FATHOM_INFERENCE_URLS"));
    }
    return Mono.defer(
            () -> {
              String server = router.pick(job);
              router.started(server);
              return modelInfo(server)
                  .flatMap(model -> call.apply(server, model))
                  .doOnSuccess(x -> router.finished(server, false))
                  .doOnError(e -> router.finished(server, isTransient(e)))
                  .doOnCancel(() -> router.finished(server, false));
            })
        .retryWhen(
            Retry.backoff(Math.max(0, settings.maxAttempts() - 1), settings.backoff())
                .maxBackoff(Duration.ofSeconds(30))
                .filter(ModelClient::isTransient)
                .onRetryExhaustedThrow(
                    (spec, signal) ->
                        new ModelUnavailableException(
                            "model_unavailable",
                            "the model servers failed " + (signal.totalRetries() + 1) + " attempts; last: "
                                + describe(signal.failure()))))
        .onErrorMap(
            e -> !(e instanceof ModelUnavailableException) && !(e instanceof ContextFullException),
            e -> new ModelUnavailableException("model_error", describe(e)));
  }

  private Mono<ModelReply> call(String server, byte[] body) {
    long start = System.nanoTime();
    return post(server, "/chat/completions", body, ChatCompletionResponse.class)
        .flatMap(r -> toReply(server, r, (System.nanoTime() - start) / 1_000_000));
  }

  /** POSTs {@code body}; a 4xx/5xx answer is a {@link ServerAnswer} error. */
  private <T> Mono<T> post(String server, String path, byte[] body, Class<T> type) {
    return web.post()
        .uri(server + path)
        .contentType(MediaType.APPLICATION_JSON)
        .bodyValue(body)
        .exchangeToMono(
            response -> {
              int status = response.statusCode().value();
              if (status >= 400) {
                return response
                    .bodyToMono(String.class)
                    .defaultIfEmpty("")
                    .flatMap(text -> Mono.<T>error(new ServerAnswer(server, status, text)));
              }
              return response.bodyToMono(type);
            })
        .timeout(settings.timeout());
  }

  private Mono<TokenReply> callTokens(String server, byte[] body) {
    long start = System.nanoTime();
    return post(server, "/completions", body, JsonNode.class)
        .flatMap(r -> toTokenReply(server, r, (System.nanoTime() - start) / 1_000_000));
  }

  private Mono<TokenReply> toTokenReply(String server, JsonNode r, long ms) {
    JsonNode choice = r.path("choices").path(0);
    JsonNode ids = choice.path("token_ids");
    if (!ids.isArray()) {
      return Mono.error(new BadResponse(server + " answered without choices[0].token_ids: it must support return_token_ids"));
    }
    int[] tokens = new int[ids.size()];
    for (int i = 0; i < tokens.length; i++) {
      JsonNode id = ids.get(i);
      if (!id.isIntegralNumber() || id.asLong() < 0 || id.asLong() > Integer.MAX_VALUE) {
        return Mono.error(new BadResponse(server + " answered choices[0].token_ids[" + i + "] = " + id + ", not a token id"));
      }
      tokens[i] = id.asInt();
    }
    JsonNode usage = r.path("usage");
    router.promptServed(usage.path("prompt_tokens").asLong(0), usage.path("prompt_tokens_details").path("cached_tokens").asLong(0));
    return Mono.just(
        new TokenReply(
            tokens,
            choice.path("finish_reason").asString("stop"),
            new Usage(usage.path("prompt_tokens").asInt(0), usage.path("completion_tokens").asInt(tokens.length),
                usage.path("prompt_tokens").asInt(0) + usage.path("completion_tokens").asInt(tokens.length)),
            ms,
            server));
  }

  private static Mono<ModelReply> toReply(String server, ChatCompletionResponse r, long ms) {
    if (r.choices() == null || r.choices().isEmpty() || r.choices().getFirst().message() == null) {
      return Mono.error(new BadResponse(server + " answered without choices[0].message"));
    }
    ChatCompletionResponse.Choice choice = r.choices().getFirst();
    ChatMessage m = choice.message();
    return Mono.just(
        new ModelReply(
            m.content() == null ? "" : m.content(),
            m.reasoningContent(),
            m.toolCalls() == null ? List.of() : m.toolCalls(),
            choice.finishReason(),
            r.usage() == null ? Usage.ZERO : r.usage(),
            ms,
            server));
  }

  /**
   * The configured model name (or the first model the server lists) and the server's context
   * length when it says ({@code max_model_len}, as vLLM and Fathom's worker do), asked once per
   * server.
   */
  private Mono<ModelInfo> modelInfo(String server) {
    String configured = settings.name() == null || settings.name().isBlank() ? null : settings.name();
    return models.computeIfAbsent(
        server,
        s ->
            web.get()
                .uri(s + "/models")
                .retrieve()
                .bodyToMono(JsonNode.class)
                .timeout(Duration.ofSeconds(10))
                .map(n -> {
                  JsonNode first = n.path("data").path(0);
                  int maxLen = first.path("max_model_len").asInt(0);
                  return new ModelInfo(configured != null ? configured : first.path("id").asString("default"), maxLen > 0 ? maxLen : null);
                })
                .onErrorReturn(new ModelInfo(configured != null ? configured : "default", null))
                .cache(info -> Duration.ofHours(1), e -> Duration.ZERO, () -> Duration.ZERO));
  }

  private static boolean isTransient(Throwable e) {
    return switch (e) {
      case ServerAnswer a -> a.status == 408 || a.status == 429 || a.status >= 500;
      case TimeoutException t -> true;
      case WebClientRequestException w -> true;
      case DecodingException d -> true;
      case BadResponse b -> true;
      case ContextFullException c -> false;
      default -> false;
    };
  }

  private static String describe(Throwable e) {
    return switch (e) {
      case ServerAnswer a -> a.getMessage();
      case TimeoutException t -> "no answer within the model time-out";
      case WebClientRequestException w -> "cannot reach " + w.getUri() + ": " + w.getMostSpecificCause().getMessage();
      case DecodingException d -> "unreadable response: " + d.getMostSpecificCause().getMessage();
      default -> e.getMessage() == null ? e.toString() : e.getMessage();
    };
  }

  /** A non-2xx answer from a model server. */
  static final class ServerAnswer extends RuntimeException {
    final int status;

    ServerAnswer(String server, int status, String body) {
      super(server + " answered HTTP " + status + ": " + (body.length() > 500 ? body.substring(0, 500) + "…" : body), null, false, false);
      this.status = status;
    }
  }

  /** A 2xx answer that is not a usable completion. */
  static final class BadResponse extends RuntimeException {
    BadResponse(String message) {
      super(message, null, false, false);
    }
  }
}
