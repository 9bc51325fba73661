package io.fathom.api.agent;

import static org.assertj.core.api.Assertions.assertThat;

import io.fathom.api.FathomApplication;
import io.fathom.api.support.Http;
import io.fathom.worker.Worker;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.context.ApplicationContext;
import org.springframework.core.env.Environment;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;

/**
 * The one-box set-up: {@code FATHOM_MODEL} names a dummy preset and no model server is given, so
 * the service starts an inference worker in its own JVM and runs jobs on it with token prompts
 * (the tokenizer comes from that worker). The worker asks for a key generated at start and kept in
 * memory, which the orchestrator sends.
 */
@SpringBootTest(classes = FathomApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class LocalWorkerTest {

  private static final String KEY = "local-key-0123456789";
  private static final Path DATA;

  static {
    try {
      DATA = Files.createTempDirectory("fathom-local-worker");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @DynamicPropertySource
  static void properties(DynamicPropertyRegistry r) {
    r.add("fathom.data-dir", DATA::toString);
    r.add("fathom.model.dir", () -> "tiny");
    r.add("fathom.inference-urls", () -> "");
    r.add("fathom.api-keys", () -> "t:" + KEY);
    r.add("fathom.poll-interval", () -> "100ms");
  }

  @Autowired Environment environment;
  @Autowired ApplicationContext context;

  @Test
  void theInProcessWorkerAsksForAKeyKeptInMemory() throws Exception {
    Worker worker = context.getBean(Worker.class);
    String key = environment.getProperty("fathom.inference-api-key");
    assertThat(key).hasSizeGreaterThanOrEqualTo(43);
    HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    HttpRequest.Builder models = HttpRequest.newBuilder(URI.create(worker.baseUrl() + "/v1/models"));
    assertThat(client.send(models.build(), HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(401);
    assertThat(client.send(models.header("Authorization", "Bearer " + key).build(), HttpResponse.BodyHandlers.ofString())
        .statusCode()).isEqualTo(200);
    // No key file was written for it.
    try (var files = Files.walk(DATA)) {
      assertThat(files.filter(f -> f.getFileName().toString().equals("worker-api-key"))).isEmpty();
    }
  }

  @Test
  void aJobRunsOnTheWorkerStartedInsideTheService() {
    Worker worker = context.getBean(Worker.class);
    assertThat(environment.getProperty("fathom.inference-urls")).isEqualTo(worker.baseUrl() + "/v1");
    Http http = new Http("http://127.0.0.1:" + environment.getProperty("local.server.port"), KEY);
    String id =
        http.post("/v1/jobs", "{\"task\": \"Say hello.\", \"max_rounds\": 2, \"sampling\": {\"temperature\": 0, \"max_tokens\": 8}}")
            .json().path("id").asString();
    JsonNode job = http.awaitJob(id, Duration.ofSeconds(60), j -> j.path("finished_at").isString());
    assertThat(job.path("status").asString()).as(job.toString()).isIn("completed", "failed");
    JsonNode turn = http.events("/v1/jobs/" + id + "/events", null, 1000).stream()
        .filter(e -> e.event().equals("model.completed")).findFirst().orElseThrow().json();
    // Token prompts: the orchestrator took the worker's tokenizer.
    assertThat(turn.path("token_ids").isArray() && !turn.path("token_ids").isEmpty()).as(turn.toString()).isTrue();
    assertThat(turn.path("server").asString()).isEqualTo(worker.baseUrl() + "/v1");
  }
}
