package io.fathom.api.support;

import io.fathom.api.FathomApplication;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.BeforeEach;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.core.env.Environment;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The whole service on a random loopback port, on its own embedded PostgreSQL, against a scripted
 * model server that asks for an API key and a recording webhook (both real HTTP servers on loopback). The model's behaviour
 * is chosen by the task text, so jobs of different tests never disturb each other:
 *
 * <ul>
 *   <li>{@code answer:TEXT} answers TEXT at once;
 *   <li>{@code weather:CITY} calls get_weather for CITY, then answers with the tool result;
 *   <li>{@code bad-args} calls get_weather with arguments that break its schema, then answers;
 *   <li>{@code loop} calls get_weather forever;
 *   <li>{@code raw:NAME:ARGS} calls NAME with the raw ARGS text once, then answers.
 * </ul>
 */
@SpringBootTest(classes = FathomApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
public abstract class ServiceTest {

  protected static final String ALICE = "alice-key-0123456789";
  protected static final String BOB = "bob-key-0123456789ab";
  protected static final String CAROL = "carol-key-0123456789";
  /** The model server's key ({@code fathom.inference-api-key}): the scripted server refuses requests without it. */
  protected static final String INFERENCE_KEY = "inference-key-0123456789";

  protected static final ScriptedModelServer MODEL;
  protected static final WebhookServer WEBHOOK;
  protected static final Path DATA;

  static {
    try {
      MODEL = new ScriptedModelServer(ServiceTest::script);
      MODEL.requireKey(INFERENCE_KEY);
      WEBHOOK = new WebhookServer(call -> {
        JsonNode args = Http.parse(call.body());
        return "{\"city\":\"" + args.path("city").asString() + "\",\"temp_c\":21}";
      });
      DATA = Files.createTempDirectory("fathom-test");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @DynamicPropertySource
  static void properties(DynamicPropertyRegistry r) {
    r.add("fathom.data-dir", DATA::toString);
    r.add("fathom.inference-urls", MODEL::baseUrl);
    r.add("fathom.inference-api-key", () -> INFERENCE_KEY);
    r.add("fathom.api-keys", () -> "alice:" + ALICE + ",bob:" + BOB + ",carol:" + CAROL);
    r.add("fathom.outbound-allow", () -> "127.0.0.1/32");
    r.add("fathom.poll-interval", () -> "100ms");
    r.add("fathom.model.backoff", () -> "20ms");
    r.add("fathom.model.max-attempts", () -> "3");
    r.add("fathom.webhook.backoff", () -> "20ms");
    r.add("fathom.webhook.timeout", () -> "2s");
  }

  @Autowired protected Environment environment;

  protected Http alice;
  protected Http bob;
  protected Http carol;
  protected Http anonymous;

  @BeforeEach
  void clients() {
    String base = "http://127.0.0.1:" + environment.getProperty("local.server.port");
    alice = new Http(base, ALICE);
    bob = new Http(base, BOB);
    carol = new Http(base, CAROL);
    anonymous = new Http(base, null);
  }

  static JsonNode script(JsonNode request) {
    String task = "";
    for (JsonNode m : request.path("messages")) {
      if (m.path("role").asString().equals("user")) {
        task = m.path("content").asString();
        break;
      }
    }
    int results = ScriptedModelServer.toolResults(request);
    if (task.startsWith("answer:")) {
      return ScriptedModelServer.answer(task.substring(7));
    }
    if (task.startsWith("weather:")) {
      return results == 0
          ? ScriptedModelServer.toolCall("call_w", "get_weather", "{\"city\":\"" + task.substring(8) + "\"}")
          : ScriptedModelServer.answer("The weather: " + ScriptedModelServer.lastContent(request));
    }
    if (task.startsWith("bad-args")) {
      return results == 0
          ? ScriptedModelServer.toolCall("call_b", "get_weather", "{\"town\": 7}")
          : ScriptedModelServer.answer("saw: " + ScriptedModelServer.lastContent(request));
    }
    if (task.startsWith("raw:")) {
      String[] parts = task.split(":", 3);
      return results == 0
          ? ScriptedModelServer.toolCall("call_r", parts[1], parts[2])
          : ScriptedModelServer.answer("saw: " + ScriptedModelServer.lastContent(request));
    }
    if (task.startsWith("code-session")) {
      // Round 1 writes a file with python, round 2 reads it with bash: one workspace per job.
      return switch (results) {
        case 0 -> ScriptedModelServer.toolCall("call_p", "python", "{\"code\": \"open('note.txt', 'w').write(str(6 * 7)); print('written')\"}");
        case 1 -> ScriptedModelServer.toolCall("call_b", "bash", "{\"command\": \"cat note.txt; echo; id -u; pwd\"}");
        default -> ScriptedModelServer.answer("saw: " + ScriptedModelServer.lastContent(request));
      };
    }
    if (task.startsWith("deep-search")) {
      // search the corpus, open the best hit, compute with python, answer.
      return switch (results) {
        case 0 -> ScriptedModelServer.toolCall("call_s", "search", "{\"queries\": [\"capital of Freedonia\", \"Freedonia population\"]}");
        case 1 -> {
          java.util.regex.Matcher hit =
              java.util.regex.Pattern.compile("corpus://[A-Za-z0-9_.-]+/[^\\s)\\]\"]+").matcher(ScriptedModelServer.lastContent(request));
          yield hit.find()
              ? ScriptedModelServer.toolCall("call_v", "visit", "{\"url\": \"" + hit.group() + "\"}")
              : ScriptedModelServer.answer("no hit in: " + ScriptedModelServer.lastContent(request));
        }
        case 2 -> ScriptedModelServer.toolCall("call_p", "python", "{\"code\": \"print('density', round(1234000 / 617))\"}");
        default -> ScriptedModelServer.answer("saw: " + ScriptedModelServer.lastContent(request));
      };
    }
    if (task.startsWith("swe-fix")) {
      // A failing test, the file, the fix, the test again: on the job's copy-on-write checkout.
      return switch (results) {
        case 0 -> ScriptedModelServer.toolCall("call_t", "run_tests", "{}");
        case 1 -> ScriptedModelServer.toolCall("call_v", "view", "{\"path\": \"calc.py\"}");
        case 2 -> ScriptedModelServer.toolCall("call_e", "str_replace",
            "{\"path\": \"calc.py\", \"old_str\": \"return a - b\", \"new_str\": \"return a + b\"}");
        case 3 -> ScriptedModelServer.toolCall("call_t2", "run_tests", "{}");
        default -> ScriptedModelServer.answer("saw: " + ScriptedModelServer.lastContent(request));
      };
    }
    if (task.startsWith("loop")) {
      return ScriptedModelServer.toolCall("call_" + results, "get_weather", "{\"city\":\"Oslo\"}");
    }
    return ScriptedModelServer.answer("unscripted task");
  }

  /** Defines get_weather for the tenant of {@code http}. */
  protected static void defineWeather(Http http) {
    Http.Response r =
        http.post(
            "/v1/functions",
            """
            {"name": "get_weather", "description": "Current weather for a city",
             "parameters": {"type": "object", "properties": {"city": {"type": "string"}},
                            "required": ["city"], "additionalProperties": false},
             "url": "%s"}"""
                .formatted(WEBHOOK.url("/weather")));
    if (r.status() / 100 != 2) {
      throw new AssertionError("defining get_weather failed: " + r);
    }
  }

  protected static String submit(Http http, String body) {
    Http.Response r = http.post("/v1/jobs", body);
    if (r.status() != 202) {
      throw new AssertionError("submit answered " + r);
    }
    return r.json().path("id").asString();
  }

  protected static String jobBody(String task, String... tools) {
    ObjectNode b = (ObjectNode) Http.parse("{}");
    b.put("task", task);
    var arr = b.putArray("tools");
    for (String t : tools) {
      arr.add(t);
    }
    return b.toString();
  }

  /** Polls the job until {@code until} holds for it, or fails after {@code timeout}. */
  protected static JsonNode awaitJob(Http http, String id, Duration timeout, java.util.function.Predicate<JsonNode> until) {
    return http.awaitJob(id, timeout, until);
  }

  protected static JsonNode awaitFinished(Http http, String id) {
    return awaitJob(http, id, Duration.ofSeconds(30), j -> j.path("finished_at").isString());
  }

  protected static void await(BooleanSupplier condition, Duration timeout, String what) {
    Instant end = Instant.now().plus(timeout);
    while (Instant.now().isBefore(end)) {
      if (condition.getAsBoolean()) {
        return;
      }
      sleep(50);
    }
    throw new AssertionError("timed out waiting for " + what);
  }

  protected static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
