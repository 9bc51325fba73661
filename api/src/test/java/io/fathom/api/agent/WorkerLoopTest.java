package io.fathom.api.agent;

import static org.assertj.core.api.Assertions.assertThat;

import io.fathom.api.FathomApplication;
import io.fathom.api.support.Http;
import io.fathom.worker.Worker;
import io.fathom.worker.WorkerOptions;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.core.env.Environment;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;

/**
 * The orchestrator's loop end to end against Fathom's own inference worker (in this JVM, a tiny
 * random model of the real format): the orchestrator takes the worker's tokenizer, sends the ledger
 * as token ids with the job as session, and the worker serves a prompt it has seen from its prefix
 * cache. The worker asks for its API key, which the orchestrator sends ({@code fathom.inference-api-key}). (A random model writes no tool calls, so a job ends at its first turn; reuse across the
 * rounds of one session is tested in the worker's own tests.)
 */
@SpringBootTest(classes = FathomApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class WorkerLoopTest {

  private static final String KEY = "worker-key-0123456789";
  private static final String WORKER_KEY = "worker-inference-key-0123456789";
  static final Worker WORKER;
  private static final Path DATA;

  static {
    try {
      DATA = Files.createTempDirectory("fathom-worker-loop");
      WORKER = Worker.start(WorkerOptions.dummy("tiny", DATA.resolve("models")).withApiKeys(WORKER_KEY));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @AfterAll
  static void stop() {
    WORKER.close();
  }

  @DynamicPropertySource
  static void properties(DynamicPropertyRegistry r) {
    r.add("fathom.data-dir", () -> DATA.resolve("service").toString());
    r.add("fathom.inference-urls", () -> WORKER.baseUrl() + "/v1");
    r.add("fathom.inference-api-key", () -> WORKER_KEY);
    r.add("fathom.prompt-mode", () -> "tokens");
    r.add("fathom.api-keys", () -> "t:" + KEY);
    r.add("fathom.poll-interval", () -> "100ms");
  }

  @Autowired Environment environment;

  @Test
  void jobsRunOnTheWorkerAndTheSecondIsServedFromItsPrefixCache() {
    Http http = new Http("http://127.0.0.1:" + environment.getProperty("local.server.port"), KEY);
    String body = "{\"task\": \"Say hello.\", \"max_rounds\": 4, \"sampling\": {\"temperature\": 0, \"max_tokens\": 12}}";
    List<JsonNode> jobs = new java.util.ArrayList<>();
    List<JsonNode> turns = new java.util.ArrayList<>();
    for (int i = 0; i < 2; i++) {
      String id = http.post("/v1/jobs", body).json().path("id").asString();
      JsonNode job = http.awaitJob(id, Duration.ofSeconds(60), j -> j.path("finished_at").isString());
      jobs.add(job);
      // A random model writes no tool call: its first turn is the answer (or the round budget ends the job).
      assertThat(job.path("status").asString()).as(job.toString()).isIn("completed", "failed");
      JsonNode turn = http.events("/v1/jobs/" + id + "/events", null, 1000).stream()
          .filter(e -> e.event().equals("model.completed")).findFirst().orElseThrow().json();
      assertThat(turn.path("token_ids").isArray() && !turn.path("token_ids").isEmpty()).as(turn.toString()).isTrue();
      turns.add(turn);
    }
    // Greedy decoding on the same prompt: the same ids, and the second prompt came from the cache.
    assertThat(turns.get(1).path("token_ids")).isEqualTo(turns.get(0).path("token_ids"));
    assertThat(jobs.get(1).path("answer")).isEqualTo(jobs.get(0).path("answer"));
    String metrics = http.get("/actuator/prometheus").body();
    double cached = metrics.lines().filter(l -> l.startsWith("fathom_prefix_cached_tokens_total"))
        .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
    double prompt = metrics.lines().filter(l -> l.startsWith("fathom_prefix_prompt_tokens_total"))
        .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
    assertThat(cached).as("tokens the worker served from its prefix cache").isPositive();
    assertThat(cached).isLessThan(prompt);
  }
}
