package io.fathom.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fathom.engine.kv.KvDtype;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** {@code --quantize int8} and {@code --kv-cache-dtype}: the worker serves with int8 weights or an f32 cache; int4 is refused by name. */
class QuantizedWorkerTest {

  private static final String KEY = "quantized-key-0123456789";

  @TempDir Path dummies;

  @Test
  void anInt8WorkerServesCompletions() throws Exception {
    WorkerOptions options =
        WorkerOptions.parse(new String[] {"--dummy", "tiny", "--dummy-dir", dummies.toString(), "--port", "0", "--quantize", "int8",
            "--api-key", KEY});
    try (Worker worker = Worker.start(options)) {
      HttpResponse<String> r =
          HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()
              .send(
                  HttpRequest.newBuilder(URI.create(worker.baseUrl() + "/v1/completions"))
                      .header("Content-Type", "application/json")
                      .header("Authorization", "Bearer " + KEY)
                      .POST(HttpRequest.BodyPublishers.ofString(
                          "{\"prompt\": [1, 2, 3, 4, 5, 6, 7, 8], \"max_tokens\": 6, \"temperature\": 0, \"return_token_ids\": true}"))
                      .build(),
                  HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
      JsonNode body = JsonMapper.builder().build().readTree(r.body());
      assertThat(body.path("choices").path(0).path("token_ids").size()).isBetween(1, 6);
    }
  }

  @Test
  void theKvCacheIsBf16UnlessF32IsAskedFor() {
    String[] base = {"--dummy", "tiny", "--api-key", KEY};
    assertThat(WorkerOptions.parse(base).kvCacheDtype()).isEqualTo(KvDtype.BF16);
    String[] f32 = {"--dummy", "tiny", "--api-key", KEY, "--kv-cache-dtype", "f32"};
    assertThat(WorkerOptions.parse(f32).kvCacheDtype()).isEqualTo(KvDtype.F32);
    assertThatThrownBy(() -> WorkerOptions.parse(new String[] {"--dummy", "tiny", "--kv-cache-dtype", "fp8"}))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("--kv-cache-dtype must be bf16 or f32, got 'fp8'");
  }

  @Test
  void anF32CacheWorkerServesTheSameGreedyTokensAsTheBf16One() throws Exception {
    String request = "{\"prompt\": [5, 9, 2, 7, 1, 3], \"max_tokens\": 4, \"temperature\": 0, \"return_token_ids\": true}";
    JsonNode bf16 = complete(WorkerOptions.dummy("tiny", dummies).withApiKeys(KEY), request);
    JsonNode f32 = complete(WorkerOptions.dummy("tiny", dummies).withApiKeys(KEY).withKvCacheDtype(KvDtype.F32), request);
    assertThat(bf16.path("choices").path(0).path("token_ids").size()).isEqualTo(4);
    assertThat(f32.path("choices").path(0).path("token_ids")).isEqualTo(bf16.path("choices").path(0).path("token_ids"));
  }

  private static JsonNode complete(WorkerOptions options, String json) throws Exception {
    try (Worker worker = Worker.start(options)) {
      HttpResponse<String> r =
          HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()
              .send(
                  HttpRequest.newBuilder(URI.create(worker.baseUrl() + "/v1/completions"))
                      .header("Content-Type", "application/json")
                      .header("Authorization", "Bearer " + KEY)
                      .POST(HttpRequest.BodyPublishers.ofString(json))
                      .build(),
                  HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
      return JsonMapper.builder().build().readTree(r.body());
    }
  }

  @Test
  void int4IsRefused() {
    assertThatThrownBy(() -> WorkerOptions.parse(new String[] {"--dummy", "tiny", "--quantize", "int4"}))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("int8");
  }
}
