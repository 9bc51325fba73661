package io.fathom.api.agent;

import static org.assertj.core.api.Assertions.assertThat;

import io.fathom.api.support.Http;
import io.fathom.api.support.Replicas;
import io.fathom.api.support.ScriptedTokenServer;
import io.fathom.api.support.ScriptedTokenServer.Output;
import io.fathom.api.support.WebhookServer;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * The token ledger survives a kill -9: a job on token prompts whose replica is SIGKILLed mid-loop
 * is resumed by another replica, and every prompt it sends from then on — its ledger — equals, id
 * for id, the prompt of the same round in an uninterrupted run of the same task.
 */
class LedgerResumeTest {

  private static final String KEY = "ledger-key-0123456789";
  private final Replicas replicas = new Replicas(KEY);
  private final List<AutoCloseable> closeables = new ArrayList<>();

  @AfterEach
  void cleanUp() throws Exception {
    replicas.close();
    for (AutoCloseable c : closeables.reversed()) {
      c.close();
    }
  }

  /** {@code count:N}: calls tick with n = 0, 1, ... until N results came back, then answers. */
  static Output countTo(String prompt) {
    int target = Integer.parseInt(ScriptedTokenServer.task(prompt).substring("count:".length()));
    int results = ScriptedTokenServer.toolResults(prompt);
    return results < target
        ? Output.stop("<think>\nnext is " + results + "\n</think>\n\n<tool_call>\n{\"name\": \"tick\", \"arguments\": {\"n\": " + results + "}}\n</tool_call>")
        : Output.stop("<think>\ndone\n</think>\n\ncounted to " + target);
  }

  @Test
  void theLedgerAfterAKillAndResumeEqualsAnUninterruptedOneIdForId() throws Exception {
    Path dir = Files.createTempDirectory("fathom-ledger-resume");
    EmbeddedPostgres pg = EmbeddedPostgres.builder().setDataDirectory(dir.resolve("pg").toFile()).setCleanDataDirectory(true).start();
    closeables.add(pg);
    ScriptedTokenServer model = new ScriptedTokenServer(List.of("tick", "next", "is", "done", "counted", "to"), LedgerResumeTest::countTo);
    closeables.add(model);
    model.delay(150);
    WebhookServer webhook = new WebhookServer(call -> "{\"ticked\": " + Http.parse(call.body()).path("n").asInt() + "}");
    closeables.add(webhook);
    Map<String, String> env =
        Map.of(
            "FATHOM_DB_URL", "postgresql://postgres@127.0.0.1:" + pg.getPort() + "/postgres",
            "FATHOM_API_KEYS", "t:" + KEY,
            "FATHOM_INFERENCE_URLS", model.baseUrl(),
            "FATHOM_PROMPT_MODE", "tokens",
            "FATHOM_OUTBOUND_ALLOW", "127.0.0.1/32",
            "FATHOM_LEASE_TTL", "3s",
            "FATHOM_POLL_INTERVAL", "200ms");
    Http a = replicas.start("A", dir, env);
    Http b = replicas.start("B", dir, env);
    // Idempotent: a call in flight at the kill runs again, so the resumed ledger can equal the reference.
    assertThat(a.post("/v1/functions",
            "{\"name\": \"tick\", \"idempotent\": true, \"parameters\": {\"type\": \"object\", \"properties\": {\"n\": {\"type\": \"integer\"}}},"
                + " \"url\": \"" + webhook.url("/tick") + "\"}").status()).isEqualTo(201);

    String id = a.post("/v1/jobs", "{\"task\": \"count:10\", \"tools\": [\"tick\"]}").json().path("id").asString();
    a.awaitJob(id, Duration.ofSeconds(60), j -> j.path("rounds").asInt() >= 3);
    String runner = a.events("/v1/jobs/" + id + "/events", null, 3).stream().filter(e -> e.event().equals("job.started"))
        .findFirst().orElseThrow().json().path("instance").asString();
    Http survivor = runner.equals("A") ? b : a;
    replicas.kill(runner.equals("A") ? 0 : 1);
    JsonNode job = survivor.awaitJob(id, Duration.ofSeconds(90), j -> j.path("finished_at").isString());
    assertThat(job.path("status").asString()).as(job.toString()).isEqualTo("completed");
    assertThat(survivor.events("/v1/jobs/" + id + "/events", null, 10_000).stream().filter(e -> e.event().equals("job.resumed")))
        .hasSize(1);

    // The same task, uninterrupted, on the survivor.
    String reference = survivor.post("/v1/jobs", "{\"task\": \"count:10\", \"tools\": [\"tick\"]}").json().path("id").asString();
    assertThat(survivor.awaitJob(reference, Duration.ofSeconds(60), j -> j.path("finished_at").isString()).path("status").asString())
        .isEqualTo("completed");

    Map<Integer, int[]> resumed = byRound(model, model.requests(id));
    Map<Integer, int[]> uninterrupted = byRound(model, model.requests(reference));
    assertThat(resumed.keySet()).isEqualTo(uninterrupted.keySet()).hasSize(11);
    for (int round : resumed.keySet()) {
      assertThat(resumed.get(round)).as("the prompt of round %d", round + 1).containsExactly(uninterrupted.get(round));
    }
  }

  /**
   * Each round's prompt, keyed by the tool results it holds. A round asked twice (before and after
   * the kill) must have been asked with the same ids both times.
   */
  private static Map<Integer, int[]> byRound(ScriptedTokenServer model, List<JsonNode> requests) {
    Map<Integer, int[]> out = new TreeMap<>();
    for (JsonNode r : requests) {
      int[] prompt = ScriptedTokenServer.prompt(r);
      int round = ScriptedTokenServer.toolResults(model.tokenizer().decode(prompt, false));
      int[] before = out.put(round, prompt);
      if (before != null) {
        assertThat(prompt).as("round %d asked again after the resume", round + 1).containsExactly(before);
      }
    }
    return out;
  }
}
