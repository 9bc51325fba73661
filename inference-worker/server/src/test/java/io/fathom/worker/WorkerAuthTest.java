package io.fathom.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fathom.common.auth.ApiKeyOptions;
import io.fathom.common.auth.BearerKeys;
import io.fathom.common.auth.KeyFile;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** The worker's API keys over real HTTP on loopback: every route but {@code /health} needs one. */
class WorkerAuthTest {

  private static final JsonMapper JSON = JsonMapper.builder().build();
  private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
  private static final String KEY = "auth-test-key-0123456789";
  private static final String OTHER_KEY = "auth-test-key-abcdefghij";

  @TempDir static Path dummies;
  private static Worker worker;

  @BeforeAll
  static void start() throws IOException {
    worker = Worker.start(WorkerOptions.dummy("tiny", dummies).withApiKeys(KEY, OTHER_KEY));
  }

  @AfterAll
  static void stop() {
    if (worker != null) {
      worker.close();
    }
  }

  static HttpResponse<String> send(Worker w, String method, String path, String authorization, String body)
      throws IOException, InterruptedException {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(w.baseUrl() + path)).timeout(Duration.ofSeconds(30));
    b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    if (authorization != null) {
      b.header("Authorization", authorization);
    }
    return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  /** A 401 with the worker's (OpenAI's) error body and a bearer challenge. */
  static JsonNode assertUnauthorized(HttpResponse<String> r) {
    assertThat(r.statusCode()).as(r.body()).isEqualTo(401);
    assertThat(r.headers().firstValue("www-authenticate")).hasValueSatisfying(v -> assertThat(v).startsWith("Bearer"));
    assertThat(r.headers().firstValue("content-type")).hasValue("application/json");
    JsonNode error = JSON.readTree(r.body()).path("error");
    assertThat(error.path("message").asString()).isNotBlank();
    assertThat(error.path("type").asString()).isEqualTo("invalid_request_error");
    assertThat(error.has("param")).isTrue();
    assertThat(error.path("code").asInt()).isEqualTo(401);
    return error;
  }

  @Test
  void aRequestWithoutAKeyIsRefused() throws Exception {
    HttpResponse<String> r = send(worker, "GET", "/v1/models", null, null);
    JsonNode error = assertUnauthorized(r);
    assertThat(error.path("message").asString()).contains("Authorization: Bearer");
    assertThat(r.headers().firstValue("www-authenticate")).hasValue("Bearer");
    // Not a bearer header, or an empty one: no key either.
    assertUnauthorized(send(worker, "GET", "/v1/models", "Basic " + KEY, null));
    assertUnauthorized(send(worker, "GET", "/v1/models", "Bearer ", null));
    // A POST is refused before its body is read; unknown routes do not tell they are unknown.
    assertUnauthorized(send(worker, "POST", "/v1/completions", null, "{\"prompt\":[1,2],\"max_tokens\":1}"));
    assertUnauthorized(send(worker, "GET", "/no/such/route", null, null));
  }

  @Test
  void aWrongKeyIsRefused() throws Exception {
    HttpResponse<String> r = send(worker, "GET", "/v1/models", "Bearer wrong-key-0123456789", null);
    JsonNode error = assertUnauthorized(r);
    assertThat(error.path("message").asString()).doesNotContain("wrong-key");
    assertThat(r.headers().firstValue("www-authenticate")).hasValue("Bearer error=\"invalid_token\"");
    // A key's prefix or the key with more is another key.
    assertUnauthorized(send(worker, "GET", "/v1/models", "Bearer " + KEY.substring(0, KEY.length() - 1), null));
    assertUnauthorized(send(worker, "GET", "/v1/models", "Bearer " + KEY + "x", null));
  }

  @Test
  void eachConfiguredKeyOpensEveryRoute() throws Exception {
    for (String key : new String[] {KEY, OTHER_KEY}) {
      HttpResponse<String> models = send(worker, "GET", "/v1/models", "Bearer " + key, null);
      assertThat(models.statusCode()).as(models.body()).isEqualTo(200);
      assertThat(JSON.readTree(models.body()).path("data").get(0).path("id").asString()).isEqualTo("dummy-tiny");
    }
    // The scheme is case-insensitive, as HTTP has it.
    assertThat(send(worker, "GET", "/v1/models", "bearer " + KEY, null).statusCode()).isEqualTo(200);
    HttpResponse<String> completion =
        send(worker, "POST", "/v1/completions", "Bearer " + KEY, "{\"prompt\":[1,2,3],\"max_tokens\":2,\"temperature\":0}");
    assertThat(completion.statusCode()).as(completion.body()).isEqualTo(200);
    assertThat(send(worker, "GET", "/v1/fathom/tokenizer.json", "Bearer " + KEY, null).statusCode()).isEqualTo(200);
  }

  @Test
  void healthIsOpenAndMetricsNeedAKey() throws Exception {
    HttpResponse<String> health = send(worker, "GET", "/health", null, null);
    assertThat(health.statusCode()).isEqualTo(200);
    assertThat(JSON.readTree(health.body()).path("status").asString()).isEqualTo("ok");
    assertThat(send(worker, "HEAD", "/health", null, null).statusCode()).isEqualTo(200);
    assertUnauthorized(send(worker, "GET", "/metrics", null, null));
    HttpResponse<String> metrics = send(worker, "GET", "/metrics", "Bearer " + KEY, null);
    assertThat(metrics.statusCode()).isEqualTo(200);
    assertThat(metrics.body()).contains("fathom_worker_");
  }

  @Test
  void withoutKeysAKeyIsGeneratedOwnerOnlyAndReusedOnRestart(@TempDir Path data) throws Exception {
    Path file = data.resolve("state").resolve(WorkerOptions.KEY_FILE_NAME);
    WorkerOptions options =
        WorkerOptions.parse(
            new String[] {"--dummy", "tiny", "--dummy-dir", dummies.toString(), "--port", "0", "--threads", "1"},
            Map.of("FATHOM_DATA_DIR", data.resolve("state").toString()));
    assertThat(options.apiKeys().keyFile()).isEqualTo(file);
    String key;
    try (Worker first = Worker.start(options)) {
      assertThat(file).exists();
      assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
      key = Files.readString(file, StandardCharsets.UTF_8).strip();
      assertThat(key).hasSize(43).matches("[A-Za-z0-9_-]+"); // 32 random bytes, URL-safe base64
      assertUnauthorized(send(first, "GET", "/v1/models", null, null));
      assertThat(send(first, "GET", "/v1/models", "Bearer " + key, null).statusCode()).isEqualTo(200);
    }
    try (Worker second = Worker.start(options)) {
      assertThat(Files.readString(file, StandardCharsets.UTF_8).strip()).isEqualTo(key);
      assertThat(send(second, "GET", "/v1/models", "Bearer " + key, null).statusCode()).isEqualTo(200);
    }
    // Another generated key is another key.
    assertThat(BearerKeys.generate()).isNotEqualTo(key).hasSize(43);
  }

  @Test
  void aKeyFileWithoutAUsableKeyIsAnError(@TempDir Path data) throws Exception {
    Path file = data.resolve(WorkerOptions.KEY_FILE_NAME);
    Files.writeString(file, "short\n");
    assertThatThrownBy(() -> KeyFile.loadOrCreate(file))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(file.toString())
        .hasMessageContaining("16");
  }

  @Test
  void keysComeFromTheOptionOrTheEnvironment() {
    String[] base = {"--dummy", "tiny"};
    WorkerOptions repeated =
        WorkerOptions.parse(concat(base, "--api-key", KEY, "--api-key=" + OTHER_KEY + ",third-key-0123456789"), Map.of());
    assertThat(repeated.apiKeys().keys()).containsExactly(KEY, OTHER_KEY, "third-key-0123456789");
    assertThat(repeated.apiKeys().disabled()).isFalse();
    assertThat(repeated.toString()).doesNotContain(KEY).doesNotContain(OTHER_KEY);

    WorkerOptions fromEnv = WorkerOptions.parse(base, Map.of("FATHOM_WORKER_API_KEYS", KEY + ", " + OTHER_KEY));
    assertThat(fromEnv.apiKeys().keys()).containsExactly(KEY, OTHER_KEY);
    // The option wins over the variable.
    assertThat(WorkerOptions.parse(concat(base, "--api-key", KEY), Map.of("FATHOM_WORKER_API_KEYS", OTHER_KEY)).apiKeys().keys())
        .containsExactly(KEY);

    WorkerOptions generated = WorkerOptions.parse(base, Map.of());
    assertThat(generated.apiKeys().keys()).isEmpty();
    assertThat(generated.apiKeys().disabled()).isFalse();
    assertThat(generated.apiKeys().keyFile()).isEqualTo(Path.of("./data", "worker-api-key"));
    assertThat(WorkerOptions.parse(concat(base, "--api-key-file", "/tmp/k"), Map.of()).apiKeys().keyFile())
        .isEqualTo(Path.of("/tmp/k"));
  }

  @Test
  void shortOrConflictingKeysAreRefusedByName() {
    String[] base = {"--dummy", "tiny"};
    assertThatThrownBy(() -> WorkerOptions.parse(concat(base, "--api-key", "too-short"), Map.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("--api-key")
        .hasMessageContaining("16 to 512 characters")
        .hasMessageNotContaining("too-short");
    assertThatThrownBy(() -> WorkerOptions.parse(base, Map.of("FATHOM_WORKER_API_KEYS", KEY + ",short")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("FATHOM_WORKER_API_KEYS")
        .hasMessageContaining("16 to 512 characters");
    assertThatThrownBy(() -> WorkerOptions.parse(concat(base, "--api-key", "with space 0123456789"), Map.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("--api-key");
    assertThatThrownBy(() -> WorkerOptions.parse(concat(base, "--api-key", ","), Map.of()))
        .hasMessageContaining("--api-key needs a key");
    assertThatThrownBy(() -> WorkerOptions.parse(concat(base, "--api-key", KEY, "--no-api-key"), Map.of()))
        .hasMessageContaining("--no-api-key");
    assertThatThrownBy(() -> WorkerOptions.parse(concat(base, "--no-api-key"), Map.of("FATHOM_WORKER_API_KEYS", KEY)))
        .hasMessageContaining("FATHOM_WORKER_API_KEYS");
    assertThatThrownBy(() -> WorkerOptions.dummy("tiny", dummies).withApiKeys("short"))
        .hasMessageContaining("--api-key");
  }

  @Test
  void noApiKeyTurnsTheCheckOff() {
    WorkerOptions open = WorkerOptions.parse(new String[] {"--dummy", "tiny", "--no-api-key"}, Map.of());
    assertThat(open.apiKeys()).isEqualTo(ApiKeyOptions.none());
    assertThat(BearerKeys.none().required()).isFalse();
    assertThat(BearerKeys.none().verify(null)).isEqualTo(BearerKeys.Verdict.ACCEPTED);
    BearerKeys keys = BearerKeys.of(java.util.List.of(KEY));
    assertThat(keys.required()).isTrue();
    assertThat(keys.verify(null)).isEqualTo(BearerKeys.Verdict.MISSING);
    assertThat(keys.verify("Bearer " + OTHER_KEY)).isEqualTo(BearerKeys.Verdict.INVALID);
    assertThat(keys.verify("Bearer  " + KEY + " ")).isEqualTo(BearerKeys.Verdict.ACCEPTED);
  }

  private static String[] concat(String[] a, String... b) {
    String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }
}
