package io.fathom.orchestrator.model;

import io.fathom.orchestrator.config.FathomProperties;
import io.fathom.protocol.openai.ChatCompletionResponse;
import io.fathom.protocol.openai.ChatMessage;
import io.fathom.protocol.openai.Usage;
import io.fathom.tools.net.QueuedConnections;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.springframework.core.codec.DecodingException;
import org.springframework.http.MediaType;
import org.springframework.stereotype.Component;
import org.springframework.web.reactive.function.client.WebClient;
import org.springframework.web.reactive.function.client.WebClientRequestException;
import reactor.core.publisher.Mono;
import reactor.util.retry.Retry;
import tools.jackson.databind.JsonNode;

/**
 * Calls OpenAI-compatible {@code /chat/completions} on the configured servers. A job starts on
 * the server its {@code affinity} picks and moves to the next one when an attempt fails;
 * time-outs, connection failures, 408/429/5xx answers and unreadable responses are retried with
 * exponential backoff; other 4xx answers fail at once.
 */
@Component
public class ModelClient {

  private final WebClient web;
  private final List<String> servers;
  private final FathomProperties.Model settings;
  private final Map<String, Mono<String>> modelNames = new ConcurrentHashMap<>();

  public ModelClient(WebClient.Builder builder, FathomProperties properties) {
    // Jobs wait for the model concurrently by the thousand: queue for a connection rather than fail.
    this.web =
        builder
            .clone()
            .clientConnector(QueuedConnections.connector("fathom-model", properties.model().maxConnections()))
            .codecs(c -> c.defaultCodecs().maxInMemorySize(32 << 20))
            .build();
    this.servers = properties.inferenceUrls().stream().map(u -> u.endsWith("/") ? u.substring(0, u.length() - 1) : u).toList();
    this.settings = properties.model();
  }

  public boolean configured() {
    return !servers.isEmpty();
  }

  /**
   * One round: {@code body} makes the request for a model name. Fails with {@link
   * ModelUnavailableException} once every attempt failed.
   */
  public Mono<ModelReply> complete(int affinity, Function<String, byte[]> body) {
    return withFailover(affinity, (server, model) -> call(server, body.apply(model)));
  }

  /**
   * One round against a server that takes token prompts: {@code body} makes the {@code
   * /completions} request (prompt as token ids, {@code return_token_ids}) for a model name. The
   * reply must carry the generated ids ({@code choices[0].token_ids}, vLLM's extension).
   */
  public Mono<TokenReply> completeTokens(int affinity, Function<String, byte[]> body) {
    return withFailover(affinity, (server, model) -> callTokens(server, body.apply(model)));
  }

  private <T> Mono<T> withFailover(int affinity, java.util.function.BiFunction<String, String, Mono<T>> call) {
    if (servers.isEmpty()) {
      return Mono.error(
          new ModelUnavailableException(
              "no_inference_server", "no model server is configured: set FATHOM_INFERENCE_URLS"));
    }
    AtomicInteger attempt = new AtomicInteger();
    return Mono.defer(
            () -> {
              String server = servers.get(Math.floorMod(affinity + attempt.getAndIncrement(), servers.size()));
              return modelName(server).flatMap(model -> call.apply(server, model));
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
        .onErrorMap(e -> !(e instanceof ModelUnavailableException), e -> new ModelUnavailableException("model_error", describe(e)));
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

  private static Mono<TokenReply> toTokenReply(String server, JsonNode r, long ms) {
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

  /** The configured model name, or the first model the server lists, asked once per server. */
  private Mono<String> modelName(String server) {
    if (settings.name() != null && !settings.name().isBlank()) {
      return Mono.just(settings.name());
    }
    return modelNames.computeIfAbsent(
        server,
        s ->
            web.get()
                .uri(s + "/models")
                .retrieve()
                .bodyToMono(JsonNode.class)
                .timeout(Duration.ofSeconds(10))
                .map(n -> n.path("data").path(0).path("id").asString("default"))
                .onErrorReturn("default")
                .cache(name -> Duration.ofHours(1), e -> Duration.ZERO, () -> Duration.ZERO));
  }

  private static boolean isTransient(Throwable e) {
    return switch (e) {
      case ServerAnswer a -> a.status == 408 || a.status == 429 || a.status >= 500;
      case TimeoutException t -> true;
      case WebClientRequestException w -> true;
      case DecodingException d -> true;
      case BadResponse b -> true;
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
