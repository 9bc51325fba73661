package io.fathom.api.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import io.fathom.api.support.Http;
import io.fathom.api.support.ServiceTest;
import io.fathom.api.support.WebhookServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

class JobLifecycleTest extends ServiceTest {

  @Test
  void weatherJobCompletesWithTheWebhookResultAndAGaplessEventStream() {
    defineWeather(alice);
    int callsBefore = WEBHOOK.calls().size();
    String id = submit(alice, jobBody("weather:Paris", "get_weather"));

    List<Http.Sse> events = alice.events("/v1/jobs/" + id + "/events", null, 1000);

    List<Long> ids = events.stream().map(Http.Sse::id).toList();
    assertThat(ids).isEqualTo(range(1, events.size()));
    assertThat(events.stream().map(Http.Sse::event).toList())
        .containsExactly(
            "job.queued", "job.started",
            "round.started", "model.completed", "tool.called", "tool.completed", "round.completed",
            "round.started", "model.completed", "round.completed", "job.completed");
    JsonNode toolDone = events.get(5).json();
    assertThat(toolDone.path("ok").asBoolean()).isTrue();
    assertThat(toolDone.path("result").asString()).contains("\"temp_c\":21");
    assertThat(events.getLast().json().path("answer").asString()).contains("Paris").contains("21");

    JsonNode job = alice.get("/v1/jobs/" + id).json();
    assertThat(job.path("status").asString()).isEqualTo("completed");
    assertThat(job.path("rounds").asInt()).isEqualTo(2);
    assertThat(job.path("answer").asString()).contains("\"temp_c\":21");
    assertThat(job.path("usage").path("prompt_tokens").asLong()).isPositive();

    List<WebhookServer.Call> calls = WEBHOOK.calls().subList(callsBefore, WEBHOOK.calls().size());
    assertThat(calls).hasSize(1);
    assertThat(Http.parse(calls.getFirst().body()).path("city").asString()).isEqualTo("Paris");
    assertThat(calls.getFirst().idempotencyKey()).isEqualTo(id + ":call_w");

    // Replays: after k, exactly k+1..N, by header and by query parameter.
    for (int k : new int[] {0, 3, events.size() - 1}) {
      List<Http.Sse> replay = alice.events("/v1/jobs/" + id + "/events", Integer.toString(k), 1000);
      assertThat(replay.stream().map(Http.Sse::id).toList()).isEqualTo(range(k + 1, events.size()));
      assertThat(replay.stream().map(Http.Sse::data).toList())
          .isEqualTo(events.subList(k, events.size()).stream().map(Http.Sse::data).toList());
    }
    List<Http.Sse> byQuery = alice.events("/v1/jobs/" + id + "/events?after=7", null, 1000);
    assertThat(byQuery.stream().map(Http.Sse::id).toList()).isEqualTo(range(8, events.size()));
    assertThat(alice.events("/v1/jobs/" + id + "/events", Integer.toString(events.size()), 1000)).isEmpty();

    JsonNode trajectory = alice.get("/v1/jobs/" + id + "/trajectory").json();
    assertThat(trajectory.path("rounds")).hasSize(2);
    assertThat(trajectory.path("rounds").path(0).path("model").path("tool_calls").path(0).path("name").asString())
        .isEqualTo("get_weather");
    assertThat(trajectory.path("rounds").path(0).path("tool_results").path(0).path("result").asString()).contains("21");
  }

  @Test
  void anIdempotentFunctionRunsAlongsideItsRecordYetItsEventsStayInOrder() {
    Http.Response defined =
        alice.post(
            "/v1/functions",
            """
            {"name": "cached_weather", "description": "Weather from a cache", "idempotent": true,
             "parameters": {"type": "object", "properties": {"city": {"type": "string"}}},
             "url": "%s"}"""
                .formatted(WEBHOOK.url("/weather")));
    assertThat(defined.status() / 100).isEqualTo(2);
    assertThat(defined.json().path("idempotent").asBoolean()).isTrue();
    assertThat(alice.get("/v1/functions/cached_weather").json().path("idempotent").asBoolean()).isTrue();
    defineWeather(alice);
    assertThat(alice.get("/v1/functions/get_weather").json().path("idempotent").asBoolean()).isFalse();

    int callsBefore = WEBHOOK.calls().size();
    for (int i = 0; i < 5; i++) {
      String id = submit(alice, jobBody("raw:cached_weather:{\"city\": \"Oslo\"}", "cached_weather"));
      List<Http.Sse> events = alice.events("/v1/jobs/" + id + "/events", null, 1000);
      assertThat(events.stream().map(Http.Sse::id).toList()).isEqualTo(range(1, events.size()));
      assertThat(events.stream().map(Http.Sse::event).toList())
          .containsExactly(
              "job.queued", "job.started",
              "round.started", "model.completed", "tool.called", "tool.completed", "round.completed",
              "round.started", "model.completed", "round.completed", "job.completed");
      assertThat(events.get(5).json().path("result").asString()).contains("\"temp_c\":21");
    }
    assertThat(WEBHOOK.calls().size() - callsBefore).isEqualTo(5);
  }

  @Test
  void chatModelOutputStreamsAsLiveDeltasUnlessTurnedOff() {
    defineWeather(alice);
    MODEL.delay(100); // the job is still running when the stream starts
    try {
      String id = submit(alice, jobBody("weather:Lima", "get_weather"));
      List<Http.Sse> events = alice.eventsWithDeltas("/v1/jobs/" + id + "/events", null, 1000);
      List<Http.Sse> deltas = events.stream().filter(e -> e.event().equals("model.delta")).toList();
      assertThat(deltas).isNotEmpty().allMatch(d -> d.id() == -1);
      String answer = events.getLast().json().path("answer").asString();
      String streamed = deltas.stream().filter(d -> d.json().path("round").asInt() == 2)
          .map(d -> d.json().path("content").asString("")).reduce("", String::concat);
      assertThat(answer).endsWith(streamed).isNotEmpty();
      assertThat(streamed).isNotEmpty();

      String quiet = submit(alice, "{\"task\": \"weather:Quito\", \"tools\": [\"get_weather\"], \"stream_deltas\": false}");
      assertThat(alice.eventsWithDeltas("/v1/jobs/" + quiet + "/events", null, 1000)).noneMatch(e -> e.event().equals("model.delta"));
    } finally {
      MODEL.delay(0);
    }
  }

  @Test
  void pythonAndBashRunInTheJobsOwnSandboxAndItsFilesLastAcrossCalls() {
    String id = submit(alice, jobBody("code-session", "python", "bash"));
    JsonNode job = awaitFinished(alice, id);
    assertThat(job.path("status").asString()).as(job.toString()).isEqualTo("completed");
    List<JsonNode> results = alice.events("/v1/jobs/" + id + "/events", null, 1000).stream()
        .filter(e -> e.event().equals("tool.completed")).map(Http.Sse::json).toList();
    assertThat(results).hasSize(2);
    assertThat(results.get(0).path("result").asString()).startsWith("exit code 0").contains("written");
    // The second call, a bash process, read the file the first wrote; it ran unprivileged in /workspace.
    String second = results.get(1).path("result").asString();
    assertThat(second).startsWith("exit code 0").contains("42").contains("/workspace").doesNotContain("\n0\n");
    assertThat(job.path("answer").asString()).contains("42");
    // Another job has another workspace: the file is not there.
    String other = submit(alice, jobBody("raw:bash:{\"command\": \"cat note.txt\"}", "bash"));
    assertThat(awaitFinished(alice, other).path("answer").asString()).contains("exit code 1").contains("No such file");
  }

  @Test
  void aLiveSubscriberSeesEveryEventOfARunningJob() throws Exception {
    defineWeather(alice);
    String id = submit(alice, jobBody("weather:Rome", "get_weather"));
    // Subscribe at once, typically before the job has started.
    List<Http.Sse> events = alice.events("/v1/jobs/" + id + "/events", null, 1000);
    assertThat(events.stream().map(Http.Sse::id).toList()).isEqualTo(range(1, events.size()));
    assertThat(events.getLast().event()).isEqualTo("job.completed");
  }

  @Test
  void argumentsThatBreakTheSchemaBecomeAToolErrorTheModelSees() {
    defineWeather(alice);
    int before = WEBHOOK.calls().size();
    String id = submit(alice, jobBody("bad-args", "get_weather"));
    JsonNode job = awaitFinished(alice, id);
    assertThat(job.path("status").asString()).isEqualTo("completed");
    assertThat(job.path("answer").asString()).contains("invalid_arguments").contains("city");
    assertThat(WEBHOOK.calls()).hasSize(before);
    List<Http.Sse> events = alice.events("/v1/jobs/" + id + "/events", null, 1000);
    JsonNode done = events.stream().filter(e -> e.event().equals("tool.completed")).findFirst().orElseThrow().json();
    assertThat(done.path("ok").asBoolean()).isFalse();
    assertThat(done.path("error").asString()).isEqualTo("invalid_arguments");
  }

  @Test
  void malformedJsonArgumentsAndUnknownToolsBecomeToolErrors() {
    defineWeather(alice);
    JsonNode malformed = awaitFinished(alice, submit(alice, jobBody("raw:get_weather:{\"city\": ", "get_weather")));
    assertThat(malformed.path("status").asString()).isEqualTo("completed");
    assertThat(malformed.path("answer").asString()).contains("invalid_arguments").contains("not valid JSON");

    JsonNode unknown = awaitFinished(alice, submit(alice, jobBody("raw:launch_rockets:{}", "get_weather")));
    assertThat(unknown.path("status").asString()).isEqualTo("completed");
    assertThat(unknown.path("answer").asString()).contains("unknown_tool").contains("launch_rockets");
  }

  @Test
  void aFailingWebhookIsRetriedThenReportedToTheModelNotFailingTheJob() {
    try (WebhookServer failing = new WebhookServer(c -> "{\"error\":\"down\"}")) {
      failing.status(503);
      Http.Response def =
          carol.post(
              "/v1/functions",
              """
              {"name": "get_weather", "description": "d", "parameters": {"type": "object"}, "url": "%s"}"""
                  .formatted(failing.url("/w")));
      assertThat(def.status()).isIn(200, 201);
      JsonNode job = awaitFinished(carol, submit(carol, jobBody("weather:Lima", "get_weather")));
      assertThat(job.path("status").asString()).isEqualTo("completed");
      assertThat(job.path("answer").asString()).contains("webhook_error").contains("503");
      assertThat(failing.calls()).hasSize(3);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  @Test
  void modelServerErrorsAreRetriedAndAPersistentFailureFailsTheJobClearly() {
    MODEL.failNext(2);
    JsonNode ok = awaitFinished(alice, submit(alice, jobBody("answer:recovered")));
    assertThat(ok.path("status").asString()).isEqualTo("completed");
    assertThat(ok.path("answer").asString()).isEqualTo("recovered");

    MODEL.failNext(3);
    JsonNode failed = awaitFinished(alice, submit(alice, jobBody("answer:never")));
    assertThat(failed.path("status").asString()).isEqualTo("failed");
    assertThat(failed.path("error").path("code").asString()).isEqualTo("model_unavailable");
    assertThat(failed.path("error").path("message").asString()).contains("503").contains("3 attempts");
  }

  @Test
  void maxRoundsEndsALoopingJobWithItsOwnReason() {
    defineWeather(alice);
    String id = submit(alice, "{\"task\": \"loop\", \"tools\": [\"get_weather\"], \"max_rounds\": 3}");
    JsonNode job = awaitFinished(alice, id);
    assertThat(job.path("status").asString()).isEqualTo("failed");
    assertThat(job.path("error").path("code").asString()).isEqualTo("max_rounds");
    assertThat(job.path("rounds").asInt()).isEqualTo(3);
    List<Http.Sse> events = alice.events("/v1/jobs/" + id + "/events", null, 1000);
    assertThat(events.getLast().event()).isEqualTo("job.failed");
    assertThat(events.stream().filter(e -> e.event().equals("round.completed")).count()).isEqualTo(3);
  }

  @Test
  void cancellingARunningJobStopsItAndAFinishedJobAnswers409() {
    defineWeather(alice);
    MODEL.delay(150);
    try {
      String id = submit(alice, jobBody("loop-cancel", "get_weather"));
      awaitJob(alice, id, Duration.ofSeconds(20), j -> j.path("rounds").asInt() >= 1);
      long start = System.nanoTime();
      Http.Response cancel = alice.post("/v1/jobs/" + id + "/cancel", "");
      assertThat(cancel.status()).isEqualTo(202);
      JsonNode job = awaitJob(alice, id, Duration.ofSeconds(10), j -> j.path("status").asString().equals("cancelled"));
      long ms = (System.nanoTime() - start) / 1_000_000;
      assertThat(ms).as("cancel took %d ms", ms).isLessThan(5000);
      int rounds = job.path("rounds").asInt();
      List<Http.Sse> events = alice.events("/v1/jobs/" + id + "/events", null, 10_000);
      assertThat(events.getLast().event()).isEqualTo("job.cancelled");
      assertThat(events.stream().map(Http.Sse::id).toList()).isEqualTo(range(1, events.size()));
      sleep(400);
      assertThat(alice.get("/v1/jobs/" + id).json().path("rounds").asInt()).isEqualTo(rounds);

      Http.Response again = alice.post("/v1/jobs/" + id + "/cancel", "");
      assertThat(again.status()).isEqualTo(409);
      assertThat(again.contentType()).startsWith("application/problem+json");
    } finally {
      MODEL.delay(0);
    }
  }

  @Test
  void theSameIdempotencyKeyReturnsTheSameJob() {
    String body = "{\"task\": \"answer:once\", \"idempotency_key\": \"order-42\"}";
    Http.Response first = alice.post("/v1/jobs", body);
    Http.Response second = alice.post("/v1/jobs", body);
    assertThat(first.status()).isEqualTo(202);
    assertThat(second.status()).isEqualTo(200);
    assertThat(second.json().path("id").asString()).isEqualTo(first.json().path("id").asString());
    // Keys are per tenant.
    Http.Response bobs = bob.post("/v1/jobs", body);
    assertThat(bobs.status()).isEqualTo(202);
    assertThat(bobs.json().path("id").asString()).isNotEqualTo(first.json().path("id").asString());
  }

  @Test
  void aTenantSeesOnlyItsOwnJobsEventsAndFunctions() {
    defineWeather(alice);
    String id = submit(alice, jobBody("answer:secret"));
    awaitFinished(alice, id);
    assertThat(bob.get("/v1/jobs/" + id).status()).isEqualTo(404);
    assertThat(bob.get("/v1/jobs/" + id + "/events").status()).isEqualTo(404);
    assertThat(bob.get("/v1/jobs/" + id + "/trajectory").status()).isEqualTo(404);
    assertThat(bob.post("/v1/jobs/" + id + "/cancel", "").status()).isEqualTo(404);
    for (JsonNode j : bob.get("/v1/jobs?limit=100").json().path("data")) {
      assertThat(j.path("id").asString()).isNotEqualTo(id);
    }
    assertThat(bob.get("/v1/functions/get_weather").status()).isEqualTo(404);
    Http.Response r = bob.post("/v1/jobs", jobBody("weather:Paris", "get_weather"));
    assertThat(r.status()).isEqualTo(400);
    assertThat(r.json().path("errors").path(0).path("field").asString()).isEqualTo("tools[0]");
    assertThat(anonymous.get("/v1/jobs/" + id).status()).isEqualTo(401);
    assertThat(anonymous.as("not-a-key").get("/v1/jobs/" + id).status()).isEqualTo(401);
  }

  @Test
  void listingIsNewestFirstAndCursorPaginated() {
    Http dave = carol;
    List<String> submitted = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      submitted.add(submit(dave, "{\"task\": \"answer:page" + i + "\", \"metadata\": {\"batch\": \"paging\"}}"));
    }
    for (String id : submitted) {
      awaitFinished(dave, id);
    }
    List<String> seen = new ArrayList<>();
    String cursor = null;
    int pages = 0;
    do {
      JsonNode page = dave.get("/v1/jobs?status=completed&limit=2" + (cursor == null ? "" : "&cursor=" + cursor)).json();
      page.path("data").forEach(j -> seen.add(j.path("id").asString()));
      cursor = page.path("next_cursor").isString() ? page.path("next_cursor").asString() : null;
      pages++;
    } while (cursor != null && pages < 100);
    assertThat(seen).doesNotHaveDuplicates();
    List<String> ours = seen.stream().filter(submitted::contains).toList();
    assertThat(ours).isEqualTo(submitted.reversed());
    Set<String> statuses = new HashSet<>();
    dave.get("/v1/jobs?status=completed&limit=100").json().path("data").forEach(j -> statuses.add(j.path("status").asString()));
    assertThat(statuses).containsExactly("completed");
  }

  @Test
  void listingsCutLongTasksWhileTheJobItselfHasThemWhole() {
    String task = "answer:" + "z".repeat(1500);
    String id = submit(bob, "{\"task\": \"" + task + "\"}");
    JsonNode listed = null;
    for (JsonNode j : bob.get("/v1/jobs?limit=100").json().path("data")) {
      if (j.path("id").asString().equals(id)) {
        listed = j;
      }
    }
    assertThat(listed).isNotNull();
    assertThat(listed.path("task").asString()).hasSize(1001).endsWith("…");
    assertThat(bob.get("/v1/jobs/" + id).json().path("task").asString()).isEqualTo(task);
  }

  static List<Long> range(long from, long toInclusive) {
    List<Long> out = new ArrayList<>();
    for (long i = from; i <= toInclusive; i++) {
      out.add(i);
    }
    return out;
  }
}
