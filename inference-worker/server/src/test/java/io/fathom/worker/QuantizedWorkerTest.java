package io.fathom.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** {@code --quantize int8}: the worker serves with int8 weights; int4 is refused by name. */
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
          HttpClient.newHttpClient()
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
  void int4IsRefused() {
    assertThatThrownBy(() -> WorkerOptions.parse(new String[] {"--dummy", "tiny", "--quantize", "int4"}))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("int8");
  }
}
