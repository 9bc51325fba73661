package io.fathom.api.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import io.fathom.api.support.Http;
import io.fathom.api.support.ServiceTest;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * An SWE-style job: it starts from a repository the tenant uploaded, and its sandbox is a copy-on-write view
 * of it. The scripted model runs the failing test, views the file, fixes it with str_replace and runs the test
 * again; the repository itself is never changed.
 */
class RepositoryJobTest extends ServiceTest {

  private static final String CALC = "def add(a, b):\n    return a - b\n";
  private static final String TEST =
      "import unittest\nfrom calc import add\n\n\nclass AddTest(unittest.TestCase):\n"
          + "    def test_add(self):\n        self.assertEqual(add(2, 3), 5)\n";

  @Test
  void aJobFixesABugOnItsOwnCopyOfTheRepository() throws IOException {
    Http.Response put =
        carol.send(
            HttpRequest.newBuilder(URI.create(base() + "/v1/repositories/calc"))
                .header("Authorization", "Bearer " + CAROL)
                .PUT(HttpRequest.BodyPublishers.ofByteArray(tarGz(List.of("calc-1.0/calc.py", "calc-1.0/test_calc.py"), List.of(CALC, TEST))))
                .build());
    assertThat(put.status()).as(put.body()).isIn(200, 201);

    String id = submit(carol, repositoryJob("swe-fix", "calc"));
    JsonNode job = awaitFinished(carol, id);
    assertThat(job.path("status").asString()).as(job.toString()).isEqualTo("completed");
    List<JsonNode> results = carol.events("/v1/jobs/" + id + "/events", null, 1000).stream()
        .filter(e -> e.event().equals("tool.completed")).map(Http.Sse::json).toList();
    assertThat(results).hasSize(4);
    assertThat(results.get(0).path("result").asString()).contains("FAILED").contains("AssertionError");
    assertThat(results.get(1).path("result").asString()).contains("return a - b");
    assertThat(results.get(2).path("ok").asBoolean()).as(results.get(2).toString()).isTrue();
    assertThat(results.get(3).path("result").asString()).contains("OK").doesNotContain("FAILED");

    // The uploaded repository is untouched: the fix lived in the job's own layer.
    Path stored = DATA.resolve("repos").resolve("carol").resolve("calc").resolve("calc.py");
    assertThat(Files.readString(stored)).isEqualTo(CALC);
  }

  @Test
  void aJobNamingAnUnknownRepositoryIsRefused() {
    Http.Response r = carol.post("/v1/jobs", repositoryJob("swe-fix", "no-such-repo"));
    assertThat(r.status()).isEqualTo(400);
    assertThat(r.body()).contains("repository").contains("no-such-repo");
    Http.Response bad = carol.post("/v1/jobs", repositoryJob("swe-fix", "../etc"));
    assertThat(bad.status()).isEqualTo(400);
    assertThat(bad.body()).contains("repository");
  }

  private String base() {
    return "http://127.0.0.1:" + environment.getProperty("local.server.port");
  }

  private static String repositoryJob(String task, String repository) {
    JsonNode body = Http.parse(jobBody(task, "run_tests", "view", "str_replace"));
    ((tools.jackson.databind.node.ObjectNode) body).put("repository", repository);
    return body.toString();
  }

  private static byte[] tarGz(List<String> names, List<String> contents) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (TarArchiveOutputStream tar = new TarArchiveOutputStream(new GZIPOutputStream(bytes))) {
      for (int i = 0; i < names.size(); i++) {
        byte[] data = contents.get(i).getBytes(StandardCharsets.UTF_8);
        TarArchiveEntry entry = new TarArchiveEntry(names.get(i));
        entry.setSize(data.length);
        entry.setMode(0644);
        tar.putArchiveEntry(entry);
        tar.write(data);
        tar.closeArchiveEntry();
      }
    }
    return bytes.toByteArray();
  }
}
