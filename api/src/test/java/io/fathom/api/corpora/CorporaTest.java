package io.fathom.api.corpora;

import static org.assertj.core.api.Assertions.assertThat;

import io.fathom.api.support.Http;
import io.fathom.api.support.ServiceTest;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * Corpora over HTTP, and a deep-search job end to end: {@code search} over a corpus the tenant built, {@code
 * visit} of the best hit's {@code corpus://} id, {@code python} on what it read (a scripted model drives it).
 */
class CorporaTest extends ServiceTest {

  private static final String FREEDONIA =
      "# Freedonia\n\nFreedonia is a small country on the coast. Its capital is Fredville, on the river Fred.\n\n"
          + "## People\n\nPopulation: 1,234,000 people live on an area of 617 square kilometres.\n";
  private static final String SYLVANIA =
      "# Sylvania\n\nSylvania is the neighbour of Freedonia, a forest kingdom whose capital is Sylvan City.\n";

  @Test
  void aCorpusIsCreatedFilledListedSearchedAndDeletedPerTenant() throws IOException {
    assertThat(alice.post("/v1/corpora", "{\"name\": \"notes\"}").status()).isEqualTo(201);
    Http.Response again = alice.post("/v1/corpora", "{\"name\": \"notes\"}");
    assertThat(again.status()).isEqualTo(409);
    assertThat(again.contentType()).contains("problem+json");
    Http.Response bad = alice.post("/v1/corpora", "{\"name\": \"../etc\"}");
    assertThat(bad.status()).isEqualTo(400);
    assertThat(bad.body()).contains("name");

    Http.Response added =
        alice.postBytes("/v1/corpora/notes/documents?filename=notes.zip", "application/zip",
            zip(List.of("a/first.md", "b/second.txt", "c/program.exe"),
                List.of("# First note\n\nabout lighthouses", "second note about harbours", "MZ\u0000\u0001")));
    assertThat(added.status()).as(added.body()).isEqualTo(200);
    JsonNode summary = added.json();
    assertThat(summary.path("added").asLong()).isEqualTo(2);
    assertThat(summary.path("skipped").asLong()).isEqualTo(1);

    // Uploads may be larger than other request bodies (2 MiB).
    byte[] big = new byte[3 << 20];
    java.util.Arrays.fill(big, (byte) 'a');
    for (int i = 100; i < big.length; i += 101) {
      big[i] = ' ';
    }
    Http.Response large = alice.postBytes("/v1/corpora/notes/documents?filename=big.txt", "text/plain", big);
    assertThat(large.status()).as(large.body()).isEqualTo(200);
    assertThat(large.json().path("added").asLong()).isEqualTo(1);

    JsonNode listed = alice.get("/v1/corpora").json().path("data");
    assertThat(listed.toString()).contains("\"notes\"");
    assertThat(bob.get("/v1/corpora").json().path("data").toString()).doesNotContain("notes");
    assertThat(bob.postBytes("/v1/corpora/notes/documents?filename=x.txt", "text/plain", "x".getBytes()).status())
        .as("bob has no corpus of that name").isEqualTo(404);
    assertThat(alice.postBytes("/v1/corpora/notes/documents?filename=a%2Fb.txt", "text/plain", "x".getBytes()).status())
        .isEqualTo(400);
    assertThat(anonymous.get("/v1/corpora").status()).isEqualTo(401);

    assertThat(alice.delete("/v1/corpora/notes").status()).isEqualTo(204);
    assertThat(alice.delete("/v1/corpora/notes").status()).isEqualTo(404);
  }

  @Test
  void aJobSearchesTheCorpusVisitsTheHitAndComputesWithPython() {
    assertThat(carol.post("/v1/corpora", "{\"name\": \"atlas\"}").status()).isEqualTo(201);
    assertThat(carol.postBytes("/v1/corpora/atlas/documents?filename=freedonia.md", "text/markdown",
        FREEDONIA.getBytes(StandardCharsets.UTF_8)).status()).isEqualTo(200);
    assertThat(carol.postBytes("/v1/corpora/atlas/documents?filename=sylvania.md", "text/markdown",
        SYLVANIA.getBytes(StandardCharsets.UTF_8)).status()).isEqualTo(200);

    String id = submit(carol, jobBody("deep-search", "search", "visit", "python"));
    JsonNode job = awaitFinished(carol, id);
    assertThat(job.path("status").asString()).as(job.toString()).isEqualTo("completed");
    List<JsonNode> results = carol.events("/v1/jobs/" + id + "/events", null, 1000).stream()
        .filter(e -> e.event().equals("tool.completed")).map(Http.Sse::json).toList();
    assertThat(results).hasSize(3);
    String search = results.get(0).path("result").asString();
    assertThat(search).contains("Freedonia").contains("corpus://atlas/freedonia.md").contains("Fredville");
    String visit = results.get(1).path("result").asString();
    assertThat(visit).contains("Fredville").contains("617 square kilometres");
    String python = results.get(2).path("result").asString();
    assertThat(python).startsWith("exit code 0").contains("density 2000");
    assertThat(job.path("answer").asString()).contains("density 2000");
  }

  private static byte[] zip(List<String> names, List<String> contents) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ZipOutputStream zip = new ZipOutputStream(bytes)) {
      for (int i = 0; i < names.size(); i++) {
        zip.putNextEntry(new ZipEntry(names.get(i)));
        zip.write(contents.get(i).getBytes(StandardCharsets.UTF_8));
        zip.closeEntry();
      }
    }
    return bytes.toByteArray();
  }
}
