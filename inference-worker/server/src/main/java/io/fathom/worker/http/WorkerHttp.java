package io.fathom.worker.http;

import io.fathom.common.auth.BearerKeys;
import io.fathom.worker.engine.Generator;
import io.fathom.worker.metrics.WorkerMetrics;
import io.fathom.worker.model.LoadedModel;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.io.ByteArrayOutputStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Set;
import java.util.function.Function;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;
import reactor.netty.http.server.HttpServerRequest;
import reactor.netty.http.server.HttpServerResponse;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The worker's HTTP API on Reactor Netty: OpenAI's {@code /v1/completions}, {@code /v1/chat/completions} and
 * {@code /v1/models}; vLLM's {@code /tokenize}, {@code /detokenize}; {@code /health}, {@code /metrics}
 * (Prometheus text); {@code GET /v1/fathom/tokenizer.json} (the model's tokenizer file, for the orchestrator's
 * token-exact loop) and {@code DELETE /v1/fathom/sessions/{id}} (drops a session's pin).
 *
 * <p>Threads: event-loop threads only read bodies and write responses. Parsing, validation, chat template
 * rendering and tokenizing run on Reactor's bounded-elastic scheduler; the engine steps on its own thread;
 * responses are assembled on the parallel scheduler. A client that disconnects cancels its subscription,
 * which cancels its request in the engine.
 *
 * <p>Every route but {@code /health} needs {@code Authorization: Bearer KEY} with one of the worker's keys
 * ({@link BearerKeys}); without it the answer is a 401 with OpenAI's error body and {@code WWW-Authenticate:
 * Bearer}. {@code /metrics} too: Prometheus scrapes it with {@code authorization: {credentials: KEY}}.
 */
public final class WorkerHttp implements AutoCloseable {

  private static final Logger LOG = Logger.getLogger(WorkerHttp.class.getName());
  private static final String JSON = "application/json";

  private final LoadedModel model;
  private final Generator generator;
  private final WorkerMetrics metrics;
  private final BearerKeys keys;
  private final long maxRequestBytes;
  private final long created = System.currentTimeMillis() / 1000;
  private final DisposableServer server;

  public WorkerHttp(
      LoadedModel model, Generator generator, WorkerMetrics metrics, BearerKeys keys, String host, int port,
      long maxRequestBytes) {
    this.model = model;
    this.generator = generator;
    this.metrics = metrics;
    this.keys = keys;
    this.maxRequestBytes = maxRequestBytes;
    this.server = HttpServer.create().host(host).port(port).handle(this::dispatch).bindNow(Duration.ofSeconds(30));
  }

  public int port() {
    return server.port();
  }

  public String host() {
    return server.host();
  }

  @Override
  public void close() {
    server.disposeNow(Duration.ofSeconds(10));
  }

  private Publisher<Void> dispatch(HttpServerRequest req, HttpServerResponse res) {
    String path = path(req.uri());
    HttpMethod method = req.method();
    if (!path.equals("/health") && !path.equals("/v1/health")) {
      BearerKeys.Verdict verdict = keys.verify(req.requestHeaders().get("authorization"));
      if (verdict != BearerKeys.Verdict.ACCEPTED) {
        return unauthorized(res, verdict);
      }
    }
    try {
      return switch (path) {
        case "/health", "/v1/health" -> only(method, Set.of(HttpMethod.GET, HttpMethod.HEAD), () -> health(res));
        case "/v1/models", "/models" -> only(method, Set.of(HttpMethod.GET), () -> models(res));
        case "/v1/completions", "/completions" -> only(method, Set.of(HttpMethod.POST), () -> completions(req, res));
        case "/v1/chat/completions", "/chat/completions" -> only(method, Set.of(HttpMethod.POST), () -> chat(req, res));
        case "/tokenize", "/v1/tokenize" ->
            only(method, Set.of(HttpMethod.POST), () -> simple(req, res, "tokenize",
                body -> TokenizeApi.tokenize(body, model, generator.maxSequenceLength())));
        case "/detokenize", "/v1/detokenize" ->
            only(method, Set.of(HttpMethod.POST), () -> simple(req, res, "detokenize",
                body -> TokenizeApi.detokenize(body, model)));
        case "/v1/fathom/tokenizer.json", "/fathom/tokenizer.json" ->
            only(method, Set.of(HttpMethod.GET), () -> {
              metrics.request("tokenizer");
              return res.status(200).header("content-type", JSON).sendByteArray(Mono.just(model.tokenizerJson())).then();
            });
        case "/metrics" -> only(method, Set.of(HttpMethod.GET), () -> res.status(200)
            .header("content-type", "text/plain; version=0.0.4; charset=utf-8")
            .sendString(Mono.fromSupplier(() -> metrics.scrape(generator.stats(), generator.healthy())))
            .then());
        default -> {
          if (path.startsWith("/v1/fathom/sessions/")) {
            yield only(method, Set.of(HttpMethod.DELETE), () -> releaseSession(res, path.substring("/v1/fathom/sessions/".length())));
          }
          throw new ApiException(404, null, "no route for " + method + " " + path);
        }
      };
    } catch (ApiException e) {
      return error(res, e);
    }
  }

  /** A 401 with OpenAI's error body; the key sent (if any) is not echoed. */
  private Publisher<Void> unauthorized(HttpServerResponse res, BearerKeys.Verdict verdict) {
    boolean missing = verdict == BearerKeys.Verdict.MISSING;
    res.header("www-authenticate", missing ? "Bearer" : "Bearer error=\"invalid_token\"");
    return error(res, new ApiException(401, null, missing
        ? "missing API key: send the worker's key as 'Authorization: Bearer <key>'"
        : "the API key is not valid"));
  }

  private interface Handler {
    Publisher<Void> handle();
  }

  private static Publisher<Void> only(HttpMethod method, Set<HttpMethod> allowed, Handler handler) {
    if (!allowed.contains(method)) {
      throw new ApiException(405, null, "method " + method + " is not allowed here");
    }
    return handler.handle();
  }

  private static String path(String uri) {
    int q = uri.indexOf('?');
    String p = q < 0 ? uri : uri.substring(0, q);
    if (p.startsWith("http://") || p.startsWith("https://")) {
      int slash = p.indexOf('/', p.indexOf("//") + 2);
      p = slash < 0 ? "/" : p.substring(slash);
    }
    if (!p.startsWith("/")) {
      p = "/" + p;
    }
    while (p.length() > 1 && p.endsWith("/")) {
      p = p.substring(0, p.length() - 1);
    }
    return p;
  }

  private Publisher<Void> health(HttpServerResponse res) {
    boolean ok = generator.healthy();
    ObjectNode body = Json.object().put("status", ok ? "ok" : "failed");
    return res.status(ok ? 200 : 503).header("content-type", JSON).sendByteArray(Mono.just(Json.bytes(body))).then();
  }

  private Publisher<Void> models(HttpServerResponse res) {
    metrics.request("models");
    ObjectNode root = Json.object().put("object", "list");
    ObjectNode m = root.putArray("data").addObject();
    m.put("id", model.name());
    m.put("object", "model");
    m.put("created", created);
    m.put("owned_by", "fathom");
    m.put("root", model.directory().toString());
    m.put("max_model_len", generator.maxSequenceLength());
    return send(res, 200, root);
  }

  private Publisher<Void> releaseSession(HttpServerResponse res, String encoded) {
    String session = URLDecoder.decode(encoded, StandardCharsets.UTF_8);
    if (session.isBlank() || session.length() > SamplingRequest.MAX_SESSION_LENGTH) {
      return error(res, ApiException.badRequest("session_id", "the session id must be 1 to " + SamplingRequest.MAX_SESSION_LENGTH + " characters"));
    }
    generator.release(session);
    return send(res, 200, Json.object().put("released", session));
  }

  private Publisher<Void> simple(
      HttpServerRequest req, HttpServerResponse res, String endpoint, Function<JsonNode, ObjectNode> handler) {
    metrics.request(endpoint);
    return body(req)
        .publishOn(Schedulers.boundedElastic())
        .map(bytes -> handler.apply(parse(bytes)))
        .flatMap(node -> Mono.from(send(res, 200, node)))
        .onErrorResume(e -> Mono.from(error(res, e)));
  }

  private Publisher<Void> completions(HttpServerRequest req, HttpServerResponse res) {
    metrics.request("completions");
    return body(req)
        .publishOn(Schedulers.boundedElastic())
        .map(bytes -> CompletionsApi.prepare(parse(bytes), model, generator.maxSequenceLength()))
        .flatMap(
            p -> {
              GenerationRun run = new GenerationRun(generator, metrics, p.prompt(), p.params(), p.sampling().session());
              CompletionsApi.Assembler assembler = new CompletionsApi.Assembler(model, p, run);
              if (p.sampling().stream()) {
                return Mono.from(sse(res, assembler.stream(run.events())));
              }
              return assembler.collect(run.events()).flatMap(node -> Mono.from(send(res, 200, node)));
            })
        .onErrorResume(e -> Mono.from(error(res, e)));
  }

  private Publisher<Void> chat(HttpServerRequest req, HttpServerResponse res) {
    metrics.request("chat_completions");
    return body(req)
        .publishOn(Schedulers.boundedElastic())
        .map(bytes -> ChatApi.prepare(parse(bytes), model, generator.maxSequenceLength()))
        .flatMap(
            p -> {
              GenerationRun run = new GenerationRun(generator, metrics, p.prompt(), p.params(), p.sampling().session());
              ChatApi.Assembler assembler = new ChatApi.Assembler(model, p, run);
              if (p.sampling().stream()) {
                return Mono.from(sse(res, assembler.stream(run.events())));
              }
              return assembler.collect(run.events()).flatMap(node -> Mono.from(send(res, 200, node)));
            })
        .onErrorResume(e -> Mono.from(error(res, e)));
  }

  /**
   * Streams server-sent events; the stream has started when the first one is ready, so an error before it
   * (the engine refused the prompt) is still a plain error response, and one after it an error event.
   */
  private Publisher<Void> sse(HttpServerResponse res, Flux<String> events) {
    return events
        .switchOnFirst(
            (first, flux) -> {
              if (first.hasError()) {
                return Flux.error(first.getThrowable());
              }
              return Flux.<Void>defer(
                  () -> res.status(200)
                      .header("content-type", "text/event-stream; charset=utf-8")
                      .header("cache-control", "no-cache")
                      .sendString(flux.onErrorResume(e -> Flux.just(Json.sse(Json.error(asApi(e))), Json.DONE)), StandardCharsets.UTF_8)
                      .then());
            },
            false)
        .then();
  }

  private Mono<byte[]> body(HttpServerRequest req) {
    String length = req.requestHeaders().get("content-length");
    if (length != null) {
      try {
        if (Long.parseLong(length.trim()) > maxRequestBytes) {
          return Mono.error(tooLarge());
        }
      } catch (NumberFormatException e) {
        return Mono.error(ApiException.badRequest(null, "bad content-length"));
      }
    }
    return req.receive()
        .asByteArray()
        .reduceWith(
            ByteArrayOutputStream::new,
            (out, bytes) -> {
              if (out.size() + (long) bytes.length > maxRequestBytes) {
                throw tooLarge();
              }
              out.write(bytes, 0, bytes.length);
              return out;
            })
        .map(ByteArrayOutputStream::toByteArray)
        .defaultIfEmpty(new byte[0]);
  }

  private ApiException tooLarge() {
    return new ApiException(413, null, "the request body is larger than " + maxRequestBytes + " bytes");
  }

  private static JsonNode parse(byte[] bytes) {
    if (bytes.length == 0) {
      throw ApiException.badRequest(null, "the request body is empty; send a JSON object");
    }
    try {
      return Json.MAPPER.readTree(bytes);
    } catch (JacksonException e) {
      throw ApiException.badRequest(null, "the request body is not valid JSON: " + e.getOriginalMessage());
    }
  }

  private static Publisher<Void> send(HttpServerResponse res, int status, JsonNode node) {
    return res.status(status).header("content-type", JSON).sendByteArray(Mono.just(Json.bytes(node))).then();
  }

  private ApiException asApi(Throwable e) {
    if (e instanceof ApiException api) {
      return api;
    }
    if (e instanceof IllegalArgumentException) {
      return ApiException.badRequest(null, e.getMessage());
    }
    LOG.log(Level.WARNING, "request failed", e);
    return new ApiException(500, null, "internal error: " + e);
  }

  private Publisher<Void> error(HttpServerResponse res, Throwable e) {
    ApiException api = asApi(e);
    metrics.error(api.status());
    if (res.hasSentHeaders()) {
      return Mono.empty();
    }
    return res.status(HttpResponseStatus.valueOf(api.status()))
        .header("content-type", JSON)
        .sendByteArray(Mono.just(Json.bytes(Json.error(api))))
        .then();
  }
}
