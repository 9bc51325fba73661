package io.fathom.tools.functions;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.fathom.tools.ToolContext;
import io.fathom.tools.ToolResult;
import io.fathom.tools.net.OutboundPolicy;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.web.reactive.function.client.WebClient;
import reactor.core.scheduler.Schedulers;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

class WebhookInvokerTest {

  private static final JsonMapper JSON = JsonMapper.builder().build();
  private static final Duration BLOCK = Duration.ofSeconds(10);
  private static final String TENANT = "acme";

  /** One request the webhook received. */
  record Call(String method, String path, String contentType, String idempotencyKey, String function, String body) {}

  /** What the webhook answers. */
  record Answer(int status, String body, long delayMillis) {
    static Answer of(int status, String body) {
      return new Answer(status, body, 0);
    }
  }

  @FunctionalInterface
  interface Handler {
    Answer answer(Call call);
  }

  private final List<Call> calls = new CopyOnWriteArrayList<>();
  private volatile Handler handler = call -> Answer.of(200, "ok");
  private HttpServer server;
  private ExecutorService executor;
  private WebhookInvoker invoker;

  @BeforeEach
  void start() throws IOException {
    executor = Executors.newVirtualThreadPerTaskExecutor();
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.setExecutor(executor);
    server.createContext("/", this::handle);
    server.start();
    OutboundPolicy policy = new OutboundPolicy(List.of("127.0.0.1/32"), Schedulers.boundedElastic());
    WebhookSettings settings = new WebhookSettings(Duration.ofMillis(300), 3, Duration.ofMillis(10), 1024, 300);
    invoker = new WebhookInvoker(WebClient.builder(), policy, settings);
  }

  @AfterEach
  void stop() {
    server.stop(0);
    executor.shutdownNow();
  }

  private void handle(HttpExchange ex) throws IOException {
    Call call =
        new Call(
            ex.getRequestMethod(),
            ex.getRequestURI().getPath(),
            ex.getRequestHeaders().getFirst("Content-Type"),
            ex.getRequestHeaders().getFirst("Idempotency-Key"),
            ex.getRequestHeaders().getFirst("X-Fathom-Function"),
            new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
    calls.add(call);
    Answer answer = handler.answer(call);
    try {
      if (answer.delayMillis() > 0) {
        Thread.sleep(answer.delayMillis());
      }
      byte[] bytes = answer.body().getBytes(StandardCharsets.UTF_8);
      ex.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
      ex.sendResponseHeaders(answer.status(), bytes.length == 0 ? -1 : bytes.length);
      try (OutputStream out = ex.getResponseBody()) {
        out.write(bytes);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (IOException e) {
      // the client gave up (time-out); nothing to answer
    } finally {
      ex.close();
    }
  }

  private URI url(String path) {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + path);
  }

  private static FunctionDefinition function(String name, URI url) {
    return new FunctionDefinition(name, "test function", JSON.readTree("{\"type\": \"object\"}"), url, false);
  }

  private static ToolContext context(UUID jobId, String callId) {
    return new ToolContext(jobId, TENANT, callId, Instant.now().plusSeconds(60));
  }

  private ToolResult invoke(FunctionDefinition function, String argsJson) {
    return invoker.invoke(TENANT, function, JSON.readTree(argsJson), context(UUID.randomUUID(), "call-1")).block(BLOCK);
  }

  private static ToolResult.Failure failure(ToolResult result) {
    assertThat(result).isInstanceOf(ToolResult.Failure.class);
    return (ToolResult.Failure) result;
  }

  @Test
  void aHostThatRebindsToLoopbackAfterTheCheckIsRefusedAtConnectTime() {
    // Loopback is NOT allow-listed here. The host first resolves to a public address (the check before the
    // attempt passes), then to 127.0.0.1 when the connection resolves it: the connection must refuse it.
    java.util.concurrent.atomic.AtomicInteger lookups = new java.util.concurrent.atomic.AtomicInteger();
    io.fathom.tools.net.HostResolver rebinding = host -> List.of(
        lookups.getAndIncrement() == 0
            ? java.net.InetAddress.getByName("203.0.113.10")
            : java.net.InetAddress.getByName("127.0.0.1"));
    WebhookInvoker strict =
        new WebhookInvoker(
            WebClient.builder(), new OutboundPolicy(List.of(), Schedulers.boundedElastic()),
            new WebhookSettings(Duration.ofMillis(300), 3, Duration.ofMillis(10), 1024, 300), rebinding);
    URI rebound = URI.create("http://rebind.test:" + server.getAddress().getPort() + "/hooks/x");
    ToolResult result =
        strict.invoke(TENANT, function("rebinding", rebound), JSON.readTree("{}"), context(UUID.randomUUID(), "c")).block(BLOCK);
    assertThat(failure(result).code()).isEqualTo("webhook_refused");
    assertThat(failure(result).message()).contains("127.0.0.1");
    assertThat(lookups.get()).as("checked, then resolved again at connect time; never retried").isEqualTo(2);
    assertThat(calls).as("nothing reached the loopback server").isEmpty();
  }

  @Test
  void successReturnsTheBodyAndPostsTheArgumentsAsJson() {
    handler = call -> Answer.of(200, "{\"temperature\": 21}");
    UUID jobId = UUID.randomUUID();
    JsonNode args = JSON.readTree("{\"city\": \"Oslo\", \"days\": 3, \"units\": [\"C\"]}");

    ToolResult result =
        invoker.invoke(TENANT, function("weather", url("/hooks/weather")), args, context(jobId, "call_42")).block(BLOCK);

    assertThat(result).isEqualTo(ToolResult.Success.of("{\"temperature\": 21}"));
    assertThat(calls).hasSize(1);
    Call call = calls.getFirst();
    assertThat(call.method()).isEqualTo("POST");
    assertThat(call.path()).isEqualTo("/hooks/weather");
    assertThat(call.contentType()).startsWith("application/json");
    assertThat(call.idempotencyKey()).isEqualTo(jobId + ":call_42");
    assertThat(call.function()).isEqualTo("weather");
    assertThat(JSON.readTree(call.body())).isEqualTo(args);
  }

  @Test
  void emptySuccessfulBodyIsAnEmptyResult() {
    handler = call -> Answer.of(200, "");

    assertThat(invoke(function("f", url("/f")), "{}")).isEqualTo(ToolResult.Success.of(""));
  }

  @Test
  void serverErrorsAreRetriedThenReported() {
    handler = call -> Answer.of(503, "busy");

    ToolResult.Failure failure = failure(invoke(function("flaky", url("/flaky")), "{}"));

    assertThat(failure.code()).isEqualTo("webhook_error");
    assertThat(failure.message()).contains("503").contains("flaky");
    assertThat(calls).hasSize(3);
  }

  @Test
  void everyAttemptCarriesTheSameIdempotencyKey() {
    handler = call -> Answer.of(500, "");
    UUID jobId = UUID.randomUUID();

    invoker.invoke(TENANT, function("f", url("/f")), JSON.readTree("{}"), context(jobId, "c1")).block(BLOCK);

    assertThat(calls).hasSize(3).extracting(Call::idempotencyKey).containsOnly(jobId + ":c1");
  }

  @Test
  void aServerErrorFollowedBySuccessSucceeds() {
    handler = call -> calls.size() == 1 ? Answer.of(502, "") : Answer.of(200, "second time lucky");

    ToolResult result = invoke(function("f", url("/f")), "{}");

    assertThat(result).isEqualTo(ToolResult.Success.of("second time lucky"));
    assertThat(calls).hasSize(2);
  }

  @Test
  void clientErrorsAreNotRetriedAndIncludeTheBody() {
    handler = call -> Answer.of(400, "unknown city 'Atlantis'");

    ToolResult.Failure failure = failure(invoke(function("weather", url("/w")), "{\"city\": \"Atlantis\"}"));

    assertThat(failure.code()).isEqualTo("webhook_rejected");
    assertThat(failure.message()).contains("400").contains("unknown city 'Atlantis'");
    assertThat(calls).hasSize(1);
  }

  @Test
  void slowWebhookTimesOutAfterEveryAttempt() {
    handler = call -> new Answer(200, "too late", 1_000);

    long start = System.nanoTime();
    ToolResult.Failure failure = failure(invoke(function("slow", url("/slow")), "{}"));
    Duration took = Duration.ofNanos(System.nanoTime() - start);

    assertThat(failure.code()).isEqualTo("timeout");
    assertThat(failure.message()).contains("300 ms").contains("3 attempts");
    assertThat(calls).hasSize(3);
    assertThat(took).isGreaterThanOrEqualTo(Duration.ofMillis(900)).isLessThan(Duration.ofSeconds(3));
  }

  @Test
  void responseLargerThanTheLimitIsAFailure() {
    handler = call -> Answer.of(200, "x".repeat(5_000));

    ToolResult.Failure failure = failure(invoke(function("big", url("/big")), "{}"));

    assertThat(failure.code()).isEqualTo("response_too_large");
    assertThat(failure.message()).contains("1024");
    assertThat(calls).hasSize(1);
  }

  @Test
  void responseJustUnderTheLimitIsAccepted() {
    handler = call -> Answer.of(200, "y".repeat(1_000));

    ToolResult result = invoke(function("big", url("/big")), "{}");

    assertThat(result).isInstanceOf(ToolResult.Success.class);
    assertThat(result.text()).startsWith("yyyy");
  }

  @Test
  void refusedAddressIsNeverContacted() {
    ToolResult.Failure failure = failure(invoke(function("internal", URI.create("http://10.0.0.1:9/hook")), "{}"));

    assertThat(failure.code()).isEqualTo("webhook_refused");
    assertThat(failure.message()).contains("10.0.0.1");
    assertThat(calls).isEmpty();
  }

  @Test
  void nonHttpUrlIsRefused() {
    ToolResult.Failure failure = failure(invoke(function("ftp", URI.create("ftp://127.0.0.1/x")), "{}"));

    assertThat(failure.code()).isEqualTo("webhook_refused");
  }

  @Test
  void unreachableWebhookIsReported() throws IOException {
    int closedPort;
    try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      closedPort = socket.getLocalPort();
    }

    ToolResult.Failure failure =
        failure(invoke(function("gone", URI.create("http://127.0.0.1:" + closedPort + "/x")), "{}"));

    assertThat(failure.code()).isEqualTo("unreachable");
  }

  @Test
  void longResultIsTruncatedToTheBudget() {
    handler = call -> Answer.of(200, "abcdefghij".repeat(80)); // 800 chars, under maxResponseBytes

    ToolResult result = invoke(function("long", url("/long")), "{}");

    assertThat(result).isInstanceOf(ToolResult.Success.class);
    assertThat(result.text()).hasSizeLessThanOrEqualTo(300).contains("truncated").contains("800").startsWith("abcdefghij");
  }

  @Test
  void longRejectionBodyIsTruncatedToo() {
    handler = call -> Answer.of(422, "e".repeat(900));

    ToolResult.Failure failure = failure(invoke(function("f", url("/f")), "{}"));

    assertThat(failure.code()).isEqualTo("webhook_rejected");
    assertThat(failure.message()).contains("truncated").doesNotContain("e".repeat(400));
  }

  @Test
  void circuitOpensAfterRepeatedFailuresAndStopsCallingTheWebhook() {
    handler = call -> Answer.of(503, "down");
    FunctionDefinition down = function("down", url("/down"));

    ToolResult last = null;
    int invocations = 0;
    while (invocations < 10) {
      last = invoke(down, "{}");
      invocations++;
      if (last instanceof ToolResult.Failure f && f.code().equals("circuit_open")) {
        break;
      }
      assertThat(failure(last).code()).isEqualTo("webhook_error");
    }
    assertThat(failure(last).code()).isEqualTo("circuit_open");
    // minimumNumberOfCalls is 10: the breaker opens on the 10th recorded failure.
    assertThat(calls).hasSize(10);
    assertThat(invocations).isEqualTo(4);

    handler = call -> Answer.of(200, "back up");
    ToolResult.Failure paused = failure(invoke(down, "{}"));

    assertThat(paused.code()).isEqualTo("circuit_open");
    assertThat(paused.message()).contains("down");
    assertThat(calls).hasSize(10);

    // The breaker is per function: another function on the same host is still called.
    assertThat(invoke(function("other", url("/other")), "{}")).isEqualTo(ToolResult.Success.of("back up"));
    assertThat(calls).hasSize(11);
  }

  @Test
  void clientErrorsDoNotOpenTheCircuit() {
    handler = call -> Answer.of(404, "no such thing");
    FunctionDefinition f = function("missing", url("/missing"));

    for (int i = 0; i < 15; i++) {
      assertThat(failure(invoke(f, "{}")).code()).isEqualTo("webhook_rejected");
    }
    assertThat(calls).hasSize(15);
  }
}
