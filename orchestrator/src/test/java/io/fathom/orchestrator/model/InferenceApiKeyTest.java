package io.fathom.orchestrator.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.fathom.orchestrator.config.FathomProperties;
import io.fathom.orchestrator.context.TestTokenizer;
import io.fathom.orchestrator.routing.WorkerRouter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.web.reactive.function.client.WebClient;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code FATHOM_INFERENCE_API_KEY}: the model client and the tokenizer fetch send it as a bearer key to a real
 * HTTP server on loopback that, like Fathom's worker, answers 401 without it.
 */
class InferenceApiKeyTest {

  private static final String KEY = "inference-key-0123456789";

  private final Map<String, List<String>> authorizations = new ConcurrentHashMap<>();
  private final HttpServer server;

  InferenceApiKeyTest() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 64);
    String tokenizer = TestTokenizer.json(TestTokenizer.Style.METASPACE_FIRST, List.of("hello"));
    server.createContext("/v1/models", ex -> answer(ex, "{\"object\":\"list\",\"data\":[{\"id\":\"m\",\"max_model_len\":4096}]}"));
    server.createContext("/v1/completions", ex -> answer(ex,
        "{\"choices\":[{\"token_ids\":[5,6,7],\"finish_reason\":\"stop\"}],"
            + "\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":3}}"));
    server.createContext("/v1/fathom/tokenizer.json", ex -> answer(ex, tokenizer));
    server.start();
  }

  @AfterEach
  void stop() {
    server.stop(0);
  }

  /** Records the request's Authorization header by path; answers 401 (as the worker does) unless it is the key. */
  private void answer(HttpExchange ex, String body) throws IOException {
    ex.getRequestBody().readAllBytes();
    String authorization = ex.getRequestHeaders().getFirst("Authorization");
    authorizations.computeIfAbsent(ex.getRequestURI().getPath(), p -> new CopyOnWriteArrayList<>())
        .add(String.valueOf(authorization));
    boolean ok = ("Bearer " + KEY).equals(authorization);
    if (!ok) {
      ex.getResponseHeaders().set("WWW-Authenticate", "Bearer");
      body = "{\"error\":{\"message\":\"the API key is not valid\",\"type\":\"invalid_request_error\",\"param\":null,\"code\":401}}";
    }
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().set("Content-Type", "application/json");
    ex.sendResponseHeaders(ok ? 200 : 401, bytes.length);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(bytes);
    }
  }

  private FathomProperties properties(String key, String promptMode) {
    return new FathomProperties(
        Path.of("unused"), null, null, List.of("http://127.0.0.1:" + server.getAddress().getPort() + "/v1"), key, "test",
        Duration.ofSeconds(15), Duration.ofSeconds(1), 10, Duration.ofSeconds(15), List.of(),
        new FathomProperties.Model(null, Duration.ofSeconds(10), 1, Duration.ofMillis(10), 8, null, promptMode),
        null, null, null, 1, true);
  }

  private ModelClient client(FathomProperties properties) {
    return new ModelClient(
        WebClient.builder(), properties, new WorkerRouter(properties, new SimpleMeterRegistry()), JsonMapper.builder().build());
  }

  private static byte[] tokenRequest(ModelInfo model) {
    return ("{\"model\":\"" + model.name() + "\",\"prompt\":[1,2,3],\"return_token_ids\":true}").getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void theModelClientSendsTheKeyOnEveryRequest() {
    TokenReply reply = client(properties(KEY, "auto")).completeTokens(UUID.randomUUID(), InferenceApiKeyTest::tokenRequest)
        .block(Duration.ofSeconds(20));
    assertThat(reply.tokenIds()).containsExactly(5, 6, 7);
    assertThat(authorizations.get("/v1/models")).containsOnly("Bearer " + KEY);
    assertThat(authorizations.get("/v1/completions")).containsOnly("Bearer " + KEY);
  }

  @Test
  void withoutAKeyTheServersRefusalIsReported() {
    assertThatThrownBy(
            () -> client(properties(" ", "auto")).completeTokens(UUID.randomUUID(), InferenceApiKeyTest::tokenRequest)
                .block(Duration.ofSeconds(20)))
        .isInstanceOf(ModelUnavailableException.class)
        .hasMessageContaining("HTTP 401");
    assertThat(authorizations.get("/v1/completions")).containsOnly("null");
  }

  @Test
  void theTokenizerIsFetchedWithTheKey() {
    TokenizerSource source = new TokenizerSource(properties(KEY, "tokens"), WebClient.builder());
    assertThat(source.tokenizer().block(Duration.ofSeconds(20))).map(t -> t.tokenToId("hello").isPresent()).hasValue(true);
    assertThat(authorizations.get("/v1/fathom/tokenizer.json")).containsOnly("Bearer " + KEY);

    TokenizerSource keyless = new TokenizerSource(properties(null, "tokens"), WebClient.builder());
    assertThatThrownBy(() -> keyless.tokenizer().block(Duration.ofSeconds(20)))
        .hasMessageContaining("fathom/tokenizer.json")
        .hasMessageContaining("401");
  }

  @Test
  void aBlankKeyIsNoKey() {
    assertThat(properties("  ", "auto").inferenceAuthorization()).isEmpty();
    assertThat(properties(null, "auto").inferenceAuthorization()).isEmpty();
    assertThat(properties(" " + KEY + " ", "auto").inferenceAuthorization()).isEqualTo(Optional.of("Bearer " + KEY));
  }
}
