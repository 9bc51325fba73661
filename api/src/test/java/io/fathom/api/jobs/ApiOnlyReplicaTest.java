package io.fathom.api.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import io.fathom.api.FathomApplication;
import io.fathom.api.support.Http;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.core.env.Environment;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;

/**
 * A replica with FATHOM_RUN_JOBS=false accepts jobs but runs none, so a job stays queued: the
 * place to check that cancelling a queued job ends it before it starts.
 */
@SpringBootTest(classes = FathomApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class ApiOnlyReplicaTest {

  private static final String KEY = "only-api-key-0123456789";

  @DynamicPropertySource
  static void properties(DynamicPropertyRegistry r) throws IOException {
    Path data = Files.createTempDirectory("fathom-api-only");
    r.add("fathom.data-dir", data::toString);
    r.add("fathom.api-keys", () -> "t1:" + KEY);
    r.add("fathom.run-jobs", () -> "false");
  }

  @Autowired Environment environment;

  @Test
  void aCancelledQueuedJobNeverStartsAndCancellingAgainAnswers409() {
    Http http = new Http("http://127.0.0.1:" + environment.getProperty("local.server.port"), KEY);
    Http.Response submitted = http.post("/v1/jobs", "{\"task\": \"wait for me\"}");
    assertThat(submitted.status()).isEqualTo(202);
    String id = submitted.json().path("id").asString();
    assertThat(http.get("/v1/jobs/" + id).json().path("status").asString()).isEqualTo("queued");

    Http.Response cancel = http.post("/v1/jobs/" + id + "/cancel", "");
    assertThat(cancel.status()).isEqualTo(200);
    assertThat(cancel.json().path("status").asString()).isEqualTo("cancelled");

    JsonNode job = http.get("/v1/jobs/" + id).json();
    assertThat(job.path("status").asString()).isEqualTo("cancelled");
    assertThat(job.path("started_at").isNull()).isTrue();
    List<Http.Sse> events = http.events("/v1/jobs/" + id + "/events", null, 100);
    assertThat(events.stream().map(Http.Sse::event).toList()).containsExactly("job.queued", "job.cancelled");
    assertThat(events.stream().map(Http.Sse::id).toList()).containsExactly(1L, 2L);

    Http.Response again = http.post("/v1/jobs/" + id + "/cancel", "");
    assertThat(again.status()).isEqualTo(409);
    assertThat(again.contentType()).startsWith("application/problem+json");
  }
}
