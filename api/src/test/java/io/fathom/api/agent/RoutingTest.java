package io.fathom.api.agent;

import static org.assertj.core.api.Assertions.assertThat;

import io.fathom.api.FathomApplication;
import io.fathom.api.support.Http;
import io.fathom.api.support.ScriptedTokenServer;
import io.fathom.api.support.ScriptedTokenServer.Output;
import io.fathom.api.support.WebhookServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.core.env.Environment;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;

/**
 * Routing across two model servers: a job keeps its server, concurrent new jobs spread to the less
 * loaded one, and when a job's server fails the job moves on within the round and re-prefills on
 * the other server.
 */
@SpringBootTest(classes = FathomApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class RoutingTest {

  private static final String KEY = "routing-key-0123456789";
  static final ScriptedTokenServer ONE;
  static final ScriptedTokenServer TWO;
  static final WebhookServer WEBHOOK;
  private static final Path DATA;

  static {
    try {
      ONE = new ScriptedTokenServer(List.of("tick"), RoutingTest::script);
      TWO = new ScriptedTokenServer(List.of("tick"), RoutingTest::script);
      WEBHOOK = new WebhookServer(call -> "{\"ticked\": true}");
      DATA = Files.createTempDirectory("fathom-routing-test");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @DynamicPropertySource
  static void properties(DynamicPropertyRegistry r) {
    r.add("fathom.data-dir", DATA::toString);
    r.add("fathom.inference-urls", () -> ONE.baseUrl() + "," + TWO.baseUrl());
    r.add("fathom.api-keys", () -> "t:" + KEY);
    r.add("fathom.outbound-allow", () -> "127.0.0.1/32");
    r.add("fathom.poll-interval", () -> "100ms");
    r.add("fathom.model.backoff", () -> "20ms");
  }

  /** {@code rounds:N}: N calls of tick, then an answer. */
  static Output script(String prompt) {
    int n = Integer.parseInt(ScriptedTokenServer.task(prompt).replaceAll("[^0-9]", ""));
    int results = ScriptedTokenServer.toolResults(prompt);
    return results < n
        ? Output.stop("<tool_call>\n{\"name\": \"tick\", \"arguments\": {\"n\": " + results + "}}\n</tool_call>")
        : Output.stop("ticked " + n);
  }

  @Autowired Environment environment;
  Http http;

  @BeforeEach
  void client() {
    http = new Http("http://127.0.0.1:" + environment.getProperty("local.server.port"), KEY);
    http.post("/v1/functions", "{\"name\": \"tick\", \"parameters\": {\"type\": \"object\"}, \"url\": \"" + WEBHOOK.url("/t") + "\"}");
    ONE.failing(false);
    TWO.failing(false);
    ONE.delay(150);
    TWO.delay(150);
  }

  private String submit(int rounds) {
    return http.post("/v1/jobs", "{\"task\": \"rounds " + rounds + "\", \"tools\": [\"tick\"]}").json().path("id").asString();
  }

  private JsonNode finished(String id) {
    return http.awaitJob(id, Duration.ofSeconds(30), j -> j.path("finished_at").isString());
  }

  @Test
  void aJobStaysOnItsServerAndConcurrentJobsSpread() throws InterruptedException {
    // A server failed by the other test is avoided for a cool-down: wait until both are healthy.
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (http.get("/actuator/prometheus").body().lines()
            .filter(l -> l.startsWith("fathom_worker_healthy{")).anyMatch(l -> !l.endsWith(" 1.0"))) {
      assertThat(System.nanoTime()).as("servers healthy again").isLessThan(deadline);
      Thread.sleep(100);
    }
    String a = submit(4);
    String b = submit(4);
    assertThat(finished(a).path("status").asString()).isEqualTo("completed");
    assertThat(finished(b).path("status").asString()).isEqualTo("completed");
    for (String id : List.of(a, b)) {
      // Every round of a job went to one server.
      assertThat(ONE.requests(id).isEmpty() || TWO.requests(id).isEmpty()).as("job %s split across servers", id).isTrue();
      assertThat(ONE.requests(id).size() + TWO.requests(id).size()).isEqualTo(5);
    }
    // Submitted together, each went to the server the other was not loading.
    assertThat(ONE.requests(a).isEmpty()).isNotEqualTo(ONE.requests(b).isEmpty());
  }

  @Test
  void whenItsServerFailsAJobMovesOnWithinTheRoundAndReprefillsThere() {
    String id = submit(6);
    http.awaitJob(id, Duration.ofSeconds(30), j -> j.path("rounds").asInt() >= 2);
    ScriptedTokenServer home = ONE.requests(id).isEmpty() ? TWO : ONE;
    ScriptedTokenServer other = home == ONE ? TWO : ONE;
    home.failing(true);
    JsonNode job = finished(id);
    assertThat(job.path("status").asString()).as(job.toString()).isEqualTo("completed");
    assertThat(job.path("answer").asString()).isEqualTo("ticked 6");
    List<JsonNode> moved = other.requests(id);
    assertThat(moved).isNotEmpty();
    // The other server got the whole ledger: the first request it saw extends the last one home saw.
    int[] lastAtHome = ScriptedTokenServer.prompt(home.requests(id).getLast());
    int[] firstThere = ScriptedTokenServer.prompt(moved.getFirst());
    assertThat(firstThere.length).isGreaterThan(lastAtHome.length);
    assertThat(Arrays.copyOf(firstThere, lastAtHome.length)).containsExactly(lastAtHome);
    // No round was lost or asked twice: rounds 1..7, each once, across both servers.
    assertThat(home.requests(id).size() + moved.size()).isEqualTo(7);
    String metrics = http.get("/actuator/prometheus").body();
    assertThat(metrics).contains("fathom_routing_moves_total").contains("fathom_worker_in_flight");
  }
}
