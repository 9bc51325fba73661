package io.fathom.tools.search;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.fathom.tools.ToolContext;
import io.fathom.tools.ToolResult;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

class WebBackendsTest {

  private static final JsonMapper JSON = JsonMapper.builder().build();
  private static final Duration BLOCK = Duration.ofSeconds(20);
  private static final Duration TIMEOUT = Duration.ofSeconds(2);
  private static final ToolContext CONTEXT = new ToolContext(UUID.randomUUID(), "acme", "call-1", null);

  /** What the fake server answers on a path. */
  record Route(int status, String body, long delayMillis) {}

  /** One request the fake server received. */
  record Received(String path, String query, String token) {}

  private final Map<String, Route> routes = new ConcurrentHashMap<>();
  private final List<Received> received = new CopyOnWriteArrayList<>();
  private ExecutorService executor;
  private HttpServer server;
  private URI base;

  @BeforeEach
  void start() throws IOException {
    executor = Executors.newVirtualThreadPerTaskExecutor();
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.setExecutor(executor);
    server.createContext("/", this::handle);
    server.start();
    base = URI.create("http://127.0.0.1:" + server.getAddress().getPort());
  }

  @AfterEach
  void stop() {
    server.stop(0);
    executor.shutdownNow();
  }

  private void handle(HttpExchange exchange) throws IOException {
    URI uri = exchange.getRequestURI();
    received.add(new Received(uri.getPath(), uri.getRawQuery(), exchange.getRequestHeaders().getFirst("X-Subscription-Token")));
    Route route = routes.getOrDefault(uri.getPath(), new Route(404, "{}", 0));
    try {
      if (route.delayMillis() > 0) {
        Thread.sleep(route.delayMillis());
      }
      byte[] body = route.body().getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().set("Content-Type", "application/json");
      exchange.sendResponseHeaders(route.status(), body.length == 0 ? -1 : body.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body);
      }
    } catch (InterruptedException | IOException e) {
      exchange.close();
    }
  }

  private static final String SEARXNG_RESULTS = """
      {"query": "deep sea vents", "number_of_results": 1234, "results": [
        {"title": "Hydrothermal vent - Wikipedia", "url": "https://en.wikipedia.org/wiki/Hydrothermal_vent",
         "content": "A hydrothermal vent is a fissure on the seabed &amp; more."},
        {"title": "Deep sea", "url": "https://example.org/deep", "content": ""},
        {"title": "no url"},
        {"title": "Third", "url": "https://example.org/3", "content": "third result"}
      ]}""";

  private static final String BRAVE_RESULTS = """
      {"type": "search", "web": {"type": "search", "results": [
        {"title": "Rust <strong>async</strong>", "url": "https://rust-lang.org/async",
         "description": "Asynchronous <strong>Rust</strong> explained."},
        {"title": "Tokio", "url": "https://tokio.rs", "description": "A runtime."}
      ]}}""";

  private SearxngBackend searxng() {
    return new SearxngBackend(base, TIMEOUT, 64 * 1024);
  }

  private BraveBackend brave() {
    return new BraveBackend(base, "secret-token", TIMEOUT, 64 * 1024);
  }

  private static SearchRequest request(String query, int topK) {
    return new SearchRequest("acme", query, null, topK);
  }

  @Test
  void searxngHappyPath() {
    routes.put("/search", new Route(200, SEARXNG_RESULTS, 0));
    try (SearxngBackend backend = searxng()) {
      SearchResults results = backend.search(request("deep sea & vents", 2)).block(BLOCK);
      assertThat(results.hits()).containsExactly(
          new SearchHit("https://en.wikipedia.org/wiki/Hydrothermal_vent", "Hydrothermal vent - Wikipedia", null,
              List.of("A hydrothermal vent is a fissure on the seabed & more.")),
          new SearchHit("https://example.org/deep", "Deep sea", null, List.of()));
      assertThat(results.totalHits()).isEqualTo(1234);
    }
    assertThat(received).singleElement().satisfies(r -> {
      assertThat(r.path()).isEqualTo("/search");
      assertThat(r.query()).isEqualTo("q=deep+sea+%26+vents&format=json");
    });
  }

  @Test
  void braveHappyPath() {
    routes.put("/res/v1/web/search", new Route(200, BRAVE_RESULTS, 0));
    try (BraveBackend backend = brave()) {
      SearchResults results = backend.search(request("rust async", 5)).block(BLOCK);
      assertThat(results.hits()).containsExactly(
          new SearchHit("https://rust-lang.org/async", "Rust async", null, List.of("Asynchronous Rust explained.")),
          new SearchHit("https://tokio.rs", "Tokio", null, List.of("A runtime.")));
    }
    assertThat(received).singleElement().satisfies(r -> {
      assertThat(r.query()).isEqualTo("q=rust+async&count=5");
      assertThat(r.token()).isEqualTo("secret-token");
    });
  }

  @Test
  void braveWithoutWebResultsIsEmpty() {
    routes.put("/res/v1/web/search", new Route(200, "{\"type\": \"search\"}", 0));
    try (BraveBackend backend = brave()) {
      assertThat(backend.search(request("nothing", 5)).block(BLOCK).hits()).isEmpty();
    }
  }

  @Test
  void serverErrorsAreFailures() {
    routes.put("/search", new Route(500, "{\"error\": \"boom\"}", 0));
    routes.put("/res/v1/web/search", new Route(500, "oops", 0));
    try (SearxngBackend s = searxng(); BraveBackend b = brave()) {
      assertThatThrownBy(() -> s.search(request("x", 5)).block(BLOCK))
          .isInstanceOf(SearchException.class).hasMessageContaining("SearXNG answered HTTP 500")
          .extracting("code").isEqualTo("http_status");
      assertThatThrownBy(() -> b.search(request("x", 5)).block(BLOCK))
          .isInstanceOf(SearchException.class).hasMessageContaining("Brave answered HTTP 500")
          .extracting("code").isEqualTo("http_status");
    }
  }

  @Test
  void malformedJsonIsAFailure() {
    routes.put("/search", new Route(200, "{\"results\": [", 0));
    routes.put("/res/v1/web/search", new Route(200, "{\"web\": {\"results\": 7}}", 0));
    try (SearxngBackend s = searxng(); BraveBackend b = brave()) {
      assertThatThrownBy(() -> s.search(request("x", 5)).block(BLOCK))
          .isInstanceOf(SearchException.class).extracting("code").isEqualTo("malformed_response");
      assertThatThrownBy(() -> b.search(request("x", 5)).block(BLOCK))
          .isInstanceOf(SearchException.class).extracting("code").isEqualTo("malformed_response");
      routes.put("/search", new Route(200, "[1, 2]", 0));
      assertThatThrownBy(() -> s.search(request("x", 5)).block(BLOCK))
          .isInstanceOf(SearchException.class).extracting("code").isEqualTo("malformed_response");
    }
  }

  @Test
  void slowServersTimeOut() {
    routes.put("/search", new Route(200, SEARXNG_RESULTS, 5_000));
    routes.put("/res/v1/web/search", new Route(200, BRAVE_RESULTS, 5_000));
    try (SearxngBackend s = new SearxngBackend(base, Duration.ofMillis(300), 64 * 1024);
        BraveBackend b = new BraveBackend(base, "k", Duration.ofMillis(300), 64 * 1024)) {
      long start = System.nanoTime();
      assertThatThrownBy(() -> s.search(request("x", 5)).block(BLOCK))
          .isInstanceOf(SearchException.class).extracting("code").isEqualTo("timeout");
      assertThatThrownBy(() -> b.search(request("x", 5)).block(BLOCK))
          .isInstanceOf(SearchException.class).extracting("code").isEqualTo("timeout");
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(4));
    }
  }

  @Test
  void oversizedAnswersAreFailures() {
    routes.put("/search", new Route(200, "{\"results\": [], \"pad\": \"" + "x".repeat(10_000) + "\"}", 0));
    try (SearxngBackend s = new SearxngBackend(base, TIMEOUT, 2048)) {
      assertThatThrownBy(() -> s.search(request("x", 5)).block(BLOCK))
          .isInstanceOf(SearchException.class).extracting("code").isEqualTo("response_too_large");
    }
  }

  @Test
  void theToolUsesTheConfiguredWebBackend() {
    routes.put("/search", new Route(200, SEARXNG_RESULTS, 0));
    try (SearchTool tool = new SearchTool(SearchSettings.searxng(base), null)) {
      assertThat(tool.parameters().get("properties").has("corpus")).isFalse();
      ToolResult result = tool.call(JSON.readTree("{\"queries\": [\"vents\", \"sea\"], \"top_k\": 1}"), CONTEXT)
          .block(BLOCK);
      assertThat(result.text()).isEqualTo("""
          Searched the web (searxng), top 1 per query.

          Query 1: "vents"
          1. Hydrothermal vent - Wikipedia
             url: https://en.wikipedia.org/wiki/Hydrothermal_vent
             > A hydrothermal vent is a fissure on the seabed & more.
          (1 of 1234 matching documents shown)

          Query 2: "sea"
          1. Hydrothermal vent - Wikipedia
             url: https://en.wikipedia.org/wiki/Hydrothermal_vent
             > A hydrothermal vent is a fissure on the seabed & more.
          (1 of 1234 matching documents shown)
          """);
      assertThat(tool.call(JSON.readTree("{\"query\": \"x\", \"corpus\": \"docs\"}"), CONTEXT).block(BLOCK).text())
          .startsWith("Error (invalid_arguments): unknown argument \"corpus\"");
    }
    routes.put("/res/v1/web/search", new Route(503, "", 0));
    try (SearchTool tool = new SearchTool(SearchSettings.brave("k").withBaseUrl(base), null)) {
      ToolResult result = tool.call(JSON.readTree("{\"query\": \"x\"}"), CONTEXT).block(BLOCK);
      assertThat(result).isInstanceOf(ToolResult.Failure.class);
      assertThat(((ToolResult.Failure) result).code()).isEqualTo("http_status");
    }
  }
}
