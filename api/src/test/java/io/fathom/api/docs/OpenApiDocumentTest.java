package io.fathom.api.docs;

import static org.assertj.core.api.Assertions.assertThat;

import io.fathom.api.support.Http;
import io.fathom.api.support.ServiceTest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.SerializationFeature;

/**
 * The served OpenAPI document equals the committed docs/openapi.json. When they differ, the
 * served one is written to target/openapi.json: review it and copy it over.
 */
class OpenApiDocumentTest extends ServiceTest {

  @Test
  void servedDocumentEqualsTheCommittedOne() throws IOException {
    Http.Response r = alice.get("/v3/api-docs");
    assertThat(r.status()).isEqualTo(200);
    JsonMapper mapper = JsonMapper.builder().enable(SerializationFeature.INDENT_OUTPUT).build();
    JsonNode served = mapper.readTree(r.body());
    Path committed = Path.of("..", "docs", "openapi.json");
    Files.writeString(Path.of("target", "openapi.json"), mapper.writeValueAsString(served) + "\n");
    assertThat(committed).as("docs/openapi.json is missing; see target/openapi.json").exists();
    assertThat(mapper.readTree(Files.readString(committed)))
        .as("docs/openapi.json differs from /v3/api-docs; the served one is in api/target/openapi.json")
        .isEqualTo(served);
    assertThat(served.path("paths").has("/v1/jobs")).isTrue();
    assertThat(served.path("paths").has("/v1/jobs/{id}/events")).isTrue();
    assertThat(served.path("paths").has("/v1/functions")).isTrue();
  }
}
