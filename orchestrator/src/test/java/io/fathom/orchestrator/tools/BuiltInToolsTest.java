package io.fathom.orchestrator.tools;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.fathom.orchestrator.config.FathomProperties;
import io.fathom.tools.ToolContext;
import io.fathom.tools.ToolResult;
import io.fathom.tools.net.OutboundPolicy;
import io.fathom.tools.search.CorpusStore;
import io.fathom.tools.search.SearchSettings;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.scheduler.Schedulers;
import tools.jackson.databind.json.JsonMapper;

/** Which built-in tools a replica offers, and where python and bash run when a sandbox server is configured. */
class BuiltInToolsTest {

  private static final String KEY = "sandbox-key-0123456789";

  @TempDir Path dir;

  private HttpServer server;
  private final List<String> requests = new CopyOnWriteArrayList<>();

  @BeforeEach
  void fakeSandboxServer() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/", this::answer);
    server.start();
  }

  @AfterEach
  void stop() {
    server.stop(0);
  }

  /** Enough of the sandbox server's API for one python call: create, then exec (and any file write). */
  private void answer(HttpExchange exchange) throws IOException {
    String path = exchange.getRequestURI().getPath();
    requests.add(exchange.getRequestMethod() + " " + path + " " + exchange.getRequestHeaders().getFirst("Authorization"));
    exchange.getRequestBody().readAllBytes();
    String body;
    int status;
    if (exchange.getRequestMethod().equals("POST") && path.equals("/v1/sandboxes")) {
      status = 201;
      body = "{\"id\": \"sb1\", \"limits\": {\"wall_timeout_s\": 60}}";
    } else if (exchange.getRequestMethod().equals("POST") && path.equals("/v1/sandboxes/sb1/exec")) {
      status = 200;
      body = "{\"exit_code\": 0, \"stdout\": \"ran remotely\\n\", \"stderr\": \"\", \"timed_out\": false,"
          + " \"duration_ms\": 3, \"truncated\": false, \"limits_hit\": []}";
    } else if (exchange.getRequestMethod().equals("PUT")) {
      status = 204;
      body = "";
    } else {
      status = 404;
      body = "{\"title\": \"Not Found\", \"status\": 404}";
    }
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().add("Content-Type", "application/json");
    exchange.sendResponseHeaders(status, status == 204 ? -1 : bytes.length);
    if (status != 204) {
      exchange.getResponseBody().write(bytes);
    }
    exchange.close();
  }

  private FathomProperties properties(String sandboxUrl) {
    FathomProperties.Tools tools =
        new FathomProperties.Tools(
            Duration.ofSeconds(30), 10, 3, Duration.ofMillis(10), dir.resolve("sandboxes").toString(),
            Duration.ofSeconds(20), sandboxUrl, KEY);
    return new FathomProperties(
        dir, null, null, null, null, null, null, null, 1, null, null, null, null, null, tools, 8, true);
  }

  @Test
  void withASandboxServerPythonRunsThereWithTheKey() {
    BuiltInTools builtIns =
        new BuiltInTools(
            properties("http://127.0.0.1:" + server.getAddress().getPort()),
            new OutboundPolicy(List.of(), Schedulers.boundedElastic()),
            new CorpusStore(dir.resolve("corpora")),
            SearchSettings.corpus());
    try {
      assertThat(builtIns.get("visit")).isPresent();
      assertThat(builtIns.get("search")).isPresent();
      var python = builtIns.get("python").orElseThrow();
      ToolResult result =
          python
              .call(
                  JsonMapper.builder().build().readTree("{\"code\": \"print(1)\"}"),
                  new ToolContext(UUID.randomUUID(), "alice", "call_1", Instant.now().plusSeconds(60)))
              .block(Duration.ofSeconds(20));
      assertThat(result).isInstanceOf(ToolResult.Success.class);
      assertThat(((ToolResult.Success) result).text()).contains("ran remotely");
      assertThat(requests).anyMatch(r -> r.startsWith("POST /v1/sandboxes "));
      assertThat(requests).anyMatch(r -> r.startsWith("POST /v1/sandboxes/sb1/exec "));
      assertThat(requests).allMatch(r -> r.endsWith("Bearer " + KEY));
    } finally {
      builtIns.destroy();
    }
  }
}
