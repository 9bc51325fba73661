package io.fathom.api.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import io.fathom.api.support.Http;
import io.fathom.api.support.Replicas;
import io.fathom.api.support.ScriptedModelServer;
import io.fathom.api.support.WebhookServer;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * Two service instances, separate processes, on one PostgreSQL: the one running a job is killed
 * with SIGKILL mid-loop; the other resumes it from its last committed round. A client connected to
 * the surviving replica sees every event live; events have no gap and no duplicate; the webhook
 * saw each call once.
 */
class ReplicaFailoverTest {

  private static final String KEY = "failover-key-0123456789";
  private final Replicas replicas = new Replicas(KEY);
  private final List<AutoCloseable> closeables = new ArrayList<>();

  @AfterEach
  void cleanUp() throws Exception {
    replicas.close();
    for (AutoCloseable c : closeables.reversed()) {
      c.close();
    }
  }

  @Test
  void aJobSurvivesTheKillOfItsReplica() throws Exception {
    Path dir = Files.createTempDirectory("fathom-failover");
    EmbeddedPostgres pg = EmbeddedPostgres.builder().setDataDirectory(dir.resolve("pg").toFile()).setCleanDataDirectory(true).start();
    closeables.add(pg);
    ScriptedModelServer model = new ScriptedModelServer(ReplicaFailoverTest::countTo);
    closeables.add(model);
    model.delay(150);
    WebhookServer webhook = new WebhookServer(call -> "{\"ticked\": " + Http.parse(call.body()).path("n").asInt() + "}");
    closeables.add(webhook);
    Map<String, String> env =
        Map.of(
            "FATHOM_DB_URL", "postgresql://postgres@127.0.0.1:" + pg.getPort() + "/postgres",
            "FATHOM_API_KEYS", "t:" + KEY,
            "FATHOM_INFERENCE_URLS", model.baseUrl(),
            "FATHOM_OUTBOUND_ALLOW", "127.0.0.1/32",
            "FATHOM_LEASE_TTL", "3s",
            "FATHOM_POLL_INTERVAL", "200ms");

    Http a = replicas.start("A", dir, env);
    Http b = replicas.start("B", dir, env);
    Http.Response def =
        a.post(
            "/v1/functions",
            "{\"name\": \"tick\", \"parameters\": {\"type\": \"object\", \"properties\": {\"n\": {\"type\": \"integer\"}},"
                + " \"required\": [\"n\"]}, \"url\": \"" + webhook.url("/tick") + "\"}");
    assertThat(def.status()).isEqualTo(201);
    Http.Response submitted = a.post("/v1/jobs", "{\"task\": \"count:14\", \"tools\": [\"tick\"]}");
    assertThat(submitted.status()).isEqualTo(202);
    String id = submitted.json().path("id").asString();
    // Follow the job on both replicas from the start; one of them will be killed.
    CompletableFuture<List<Http.Sse>> liveOnA = CompletableFuture.supplyAsync(() -> a.events("/v1/jobs/" + id + "/events", null, 10_000));
    CompletableFuture<List<Http.Sse>> liveOnB = CompletableFuture.supplyAsync(() -> b.events("/v1/jobs/" + id + "/events", null, 10_000));
    a.awaitJob(id, Duration.ofSeconds(60), j -> j.path("rounds").asInt() >= 2);

    String runner = a.events("/v1/jobs/" + id + "/events", null, 2).get(1).json().path("instance").asString();
    assertThat(runner).isIn("A", "B");
    String survivorName = runner.equals("A") ? "B" : "A";
    Http survivor = runner.equals("A") ? b : a;
    CompletableFuture<List<Http.Sse>> live = runner.equals("A") ? liveOnB : liveOnA;
    replicas.kill(runner.equals("A") ? 0 : 1); // SIGKILL

    JsonNode job = survivor.awaitJob(id, Duration.ofSeconds(90), j -> j.path("finished_at").isString());
    assertThat(job.path("status").asString()).as(job.toString()).isEqualTo("completed");
    assertThat(job.path("answer").asString()).isEqualTo("counted to 14");

    List<Http.Sse> events = survivor.events("/v1/jobs/" + id + "/events", null, 10_000);
    List<Long> ids = events.stream().map(Http.Sse::id).toList();
    assertThat(ids).isEqualTo(JobLifecycleTest.range(1, events.size()));
    assertThat(events.getLast().event()).isEqualTo("job.completed");
    List<JsonNode> resumed = events.stream().filter(e -> e.event().equals("job.resumed")).map(Http.Sse::json).toList();
    assertThat(resumed).hasSize(1);
    assertThat(resumed.getFirst().path("instance").asString()).isEqualTo(survivorName);

    // The client on the survivor saw everything live, including what the victim did before it died.
    List<Http.Sse> seenLive = live.get(30, java.util.concurrent.TimeUnit.SECONDS);
    assertThat(seenLive.stream().map(Http.Sse::id).toList()).isEqualTo(ids);
    assertThat(seenLive.stream().map(Http.Sse::data).toList()).isEqualTo(events.stream().map(Http.Sse::data).toList());

    // Each call reached the webhook at most once, and each completed call exactly once.
    Map<String, Long> byKey =
        webhook.calls().stream().collect(Collectors.groupingBy(WebhookServer.Call::idempotencyKey, Collectors.counting()));
    assertThat(byKey.values()).allMatch(n -> n == 1);
    List<JsonNode> completed =
        events.stream().filter(e -> e.event().equals("tool.completed")).map(Http.Sse::json).filter(d -> d.path("ok").asBoolean()).toList();
    for (JsonNode c : completed) {
      assertThat(byKey).containsKey(id + ":" + c.path("call_id").asString());
    }
    long interrupted =
        events.stream().filter(e -> e.event().equals("tool.completed")).map(Http.Sse::json)
            .filter(d -> d.path("error").asString("").equals("interrupted")).count();
    assertThat(completed.size() + interrupted).isEqualTo(14);
  }

  /** {@code count:N}: calls tick with n = 0, 1, ... until N results came back, then answers. */
  static JsonNode countTo(JsonNode request) {
    int target = 0;
    for (JsonNode m : request.path("messages")) {
      if (m.path("role").asString().equals("user")) {
        target = Integer.parseInt(m.path("content").asString().substring("count:".length()));
        break;
      }
    }
    int results = ScriptedModelServer.toolResults(request);
    return results < target
        ? ScriptedModelServer.toolCall("tick_" + results, "tick", "{\"n\": " + results + "}")
        : ScriptedModelServer.answer("counted to " + target);
  }
}
