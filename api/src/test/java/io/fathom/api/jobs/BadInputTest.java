package io.fathom.api.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import io.fathom.api.support.Http;
import io.fathom.api.support.ServiceTest;
import java.net.http.HttpRequest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Every kind of bad input gets a 4xx problem+json that names the field; never a 5xx. */
class BadInputTest extends ServiceTest {

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
          malformed JSON            | {"task": "x",                                   | 400 |
          not an object             | [1, 2]                                          | 400 |
          missing task              | {}                                              | 400 | task
          blank task                | {"task": "  "}                                  | 400 | task
          task wrong type           | {"task": 42}                                    | 400 | task
          tools wrong type          | {"task": "x", "tools": "get_weather"}           | 400 | tools
          tool name malformed       | {"task": "x", "tools": ["no spaces allowed"]}   | 400 | tools[0]
          unknown tool              | {"task": "x", "tools": ["nope"]}                | 400 | tools[0]
          duplicate tool            | {"task": "x", "tools": ["a", "a"]}              | 400 | tools[1]
          max_rounds zero           | {"task": "x", "max_rounds": 0}                  | 400 | max_rounds
          max_rounds too big        | {"task": "x", "max_rounds": 1001}               | 400 | max_rounds
          max_rounds not integer    | {"task": "x", "max_rounds": "many"}             | 400 | max_rounds
          max_rounds overflow       | {"task": "x", "max_rounds": 99999999999999}     | 400 | max_rounds
          deadline negative         | {"task": "x", "deadline_seconds": -5}           | 400 | deadline_seconds
          temperature out of range  | {"task": "x", "sampling": {"temperature": 5}}   | 400 | sampling.temperature
          top_p zero                | {"task": "x", "sampling": {"top_p": 0}}         | 400 | sampling.top_p
          max_tokens negative       | {"task": "x", "sampling": {"max_tokens": -1}}   | 400 | sampling.max_tokens
          unknown sampling field    | {"task": "x", "sampling": {"topk": 3}}          | 400 | sampling.topk
          unknown field             | {"task": "x", "max_round": 3}                   | 400 | max_round
          metadata not an object    | {"task": "x", "metadata": [1]}                  | 400 | metadata
          empty idempotency key     | {"task": "x", "idempotency_key": ""}            | 400 | idempotency_key
          """)
  void badJobRequestsNameTheField(String name, String body, int status, String field) {
    Http.Response r = alice.post("/v1/jobs", body);
    assertProblem(r, status);
    if (field != null) {
      assertThat(r.json().path("errors").findValuesAsString("field")).as(r.body()).contains(field);
      assertThat(r.json().path("detail").asString()).contains(field);
    }
  }

  @Test
  void aTaskOverOneMebibyteIsRefusedNamingTheLimit() {
    String big = "x".repeat((1 << 20) + 1);
    Http.Response r = alice.post("/v1/jobs", "{\"task\": \"" + big + "\"}");
    assertProblem(r, 400);
    assertThat(r.json().path("errors").path(0).path("field").asString()).isEqualTo("task");
    assertThat(r.json().path("detail").asString()).contains("1048576");
  }

  @Test
  void aBodyOverTwoMebibytesIsRefusedWith413() {
    String big = "x".repeat(3 << 20);
    Http.Response r = alice.post("/v1/jobs", "{\"task\": \"" + big + "\"}");
    assertProblem(r, 413);
    assertThat(r.json().path("detail").asString()).contains("2097152");
  }

  @Test
  void aChunkedBodyOverTwoMebibytesIsRefusedWith413() {
    byte[] big = ("{\"task\": \"" + "y".repeat(3 << 20) + "\"}").getBytes();
    HttpRequest request =
        alice.request("/v1/jobs")
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new java.io.ByteArrayInputStream(big)))
            .build();
    assertProblem(alice.send(request), 413);
  }

  @Test
  void wrongContentTypeAndMethodAreClientErrors() {
    HttpRequest text =
        alice.request("/v1/jobs").header("Content-Type", "text/plain").POST(HttpRequest.BodyPublishers.ofString("hi")).build();
    assertProblem(alice.send(text), 415);
    assertProblem(alice.delete("/v1/jobs"), 405);
  }

  @Test
  void badQueryParametersAndIdsAreClientErrors() {
    assertProblem(alice.get("/v1/jobs?limit=0"), 400);
    assertProblem(alice.get("/v1/jobs?limit=abc"), 400);
    assertProblem(alice.get("/v1/jobs?status=sleeping"), 400);
    assertProblem(alice.get("/v1/jobs?cursor=not-a-cursor"), 400);
    assertProblem(alice.get("/v1/jobs/not-a-uuid"), 404);
    assertProblem(alice.get("/v1/jobs/00000000-0000-0000-0000-000000000000"), 404);
    assertProblem(alice.post("/v1/jobs/00000000-0000-0000-0000-000000000000/cancel", ""), 404);
    String id = submit(alice, "{\"task\": \"answer:ok\"}");
    assertProblem(alice.get("/v1/jobs/" + id + "/events?after=-3"), 400);
    assertProblem(alice.get("/v1/jobs/" + id + "/events?after=x"), 400);
    assertProblem(alice.send(alice.request("/v1/jobs/" + id + "/events").header("Last-Event-ID", "abc").GET().build()), 400);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
          name missing          | {"parameters": {"type": "object"}, "url": "http://127.0.0.1:9/x"}                              | name
          name malformed        | {"name": "a b", "parameters": {"type": "object"}, "url": "http://127.0.0.1:9/x"}               | name
          schema missing        | {"name": "f", "url": "http://127.0.0.1:9/x"}                                                  | parameters
          schema not an object  | {"name": "f", "parameters": 3, "url": "http://127.0.0.1:9/x"}                                 | parameters
          schema type string    | {"name": "f", "parameters": {"type": "string"}, "url": "http://127.0.0.1:9/x"}                | parameters
          schema remote ref     | {"name": "f", "parameters": {"type": "object", "$ref": "http://evil/x"}, "url": "http://127.0.0.1:9/x"} | parameters
          url missing           | {"name": "f", "parameters": {"type": "object"}}                                               | url
          url not http          | {"name": "f", "parameters": {"type": "object"}, "url": "file:///etc/passwd"}                  | url
          url metadata address  | {"name": "f", "parameters": {"type": "object"}, "url": "http://169.254.169.254/latest"}       | url
          url private address   | {"name": "f", "parameters": {"type": "object"}, "url": "http://10.1.2.3/hook"}                | url
          url with credentials  | {"name": "f", "parameters": {"type": "object"}, "url": "http://u:p@127.0.0.1:9/x"}            | url
          idempotent a string   | {"name": "f", "parameters": {"type": "object"}, "url": "http://127.0.0.1:9/x", "idempotent": "yes"} | idempotent
          """)
  void badFunctionsNameTheField(String name, String body, String field) {
    Http.Response r = alice.post("/v1/functions", body);
    assertProblem(r, 400);
    assertThat(r.json().path("errors").findValuesAsString("field")).as(r.body()).contains(field);
  }

  @Test
  void unknownFunctionsAnswer404() {
    assertProblem(alice.get("/v1/functions/nope"), 404);
    assertProblem(alice.delete("/v1/functions/nope"), 404);
  }

  @Test
  void functionsCanBeDefinedReplacedListedAndDeleted() {
    String body = "{\"name\": \"lifecycle\", \"parameters\": {\"type\": \"object\"}, \"url\": \"%s\"}";
    assertThat(bob.post("/v1/functions", body.formatted(WEBHOOK.url("/a"))).status()).isEqualTo(201);
    assertThat(bob.post("/v1/functions", body.formatted(WEBHOOK.url("/b"))).status()).isEqualTo(200);
    assertThat(bob.get("/v1/functions/lifecycle").json().path("url").asString()).endsWith("/b");
    assertThat(bob.get("/v1/functions").json().path("data").findValuesAsString("name")).contains("lifecycle");
    assertThat(bob.delete("/v1/functions/lifecycle").status()).isEqualTo(204);
    assertThat(bob.get("/v1/functions/lifecycle").status()).isEqualTo(404);
  }

  @Test
  void healthNeedsNoKeyButEverythingElseDoes() {
    assertThat(anonymous.get("/health").status()).isEqualTo(200);
    assertThat(anonymous.get("/actuator/health").status()).isEqualTo(200);
    assertProblem(anonymous.get("/v1/jobs"), 401);
    assertProblem(anonymous.get("/v1/functions"), 401);
    assertProblem(anonymous.get("/v3/api-docs"), 401);
    assertProblem(anonymous.get("/actuator/prometheus"), 401);
  }

  private static void assertProblem(Http.Response r, int status) {
    assertThat(r.status()).as(r.body()).isEqualTo(status);
    assertThat(r.contentType()).as(r.body()).startsWith("application/problem+json");
    assertThat(r.json().path("status").asInt()).isEqualTo(status);
    assertThat(r.json().path("detail").asString()).as(r.body()).isNotBlank();
  }
}
