package io.fathom.api.repos;

import static org.assertj.core.api.Assertions.assertThat;

import io.fathom.api.support.Http;
import io.fathom.api.support.ServiceTest;
import io.fathom.orchestrator.repos.RepositoryStore;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorOutputStream;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import tools.jackson.databind.JsonNode;

/** Repositories over HTTP: upload, replace, list, get, delete, refusals, and tenants kept apart. */
class RepositoriesTest extends ServiceTest {

  @Autowired RepositoryStore store;

  @Test
  void aRepositoryIsUploadedReplacedListedAndDeletedPerTenant() throws IOException {
    byte[] first = tarGz(new String[] {"calc-main/calc.py", "calc-main/test_calc.py"},
        new String[] {"def add(a, b):\n    return a - b\n", "from calc import add\n"});
    Http.Response created = alice.putBytes("/v1/repositories/calc", "application/gzip", first);
    assertThat(created.status()).as(created.body()).isEqualTo(201);
    JsonNode info = created.json();
    assertThat(info.path("name").asString()).isEqualTo("calc");
    assertThat(info.path("files").asLong()).isEqualTo(2);
    assertThat(info.path("bytes").asLong()).isEqualTo(32 + 21);
    Path dir = store.find("alice", "calc").block();
    assertThat(Files.readString(dir.resolve("calc.py"))).contains("return a - b");

    assertThat(alice.get("/v1/repositories").json().path("data").toString()).contains("\"calc\"");
    Http.Response got = alice.get("/v1/repositories/calc");
    assertThat(got.status()).isEqualTo(200);
    assertThat(got.json().path("files").asLong()).isEqualTo(2);

    // Replaced whole, from a zip this time.
    Http.Response replaced = alice.putBytes("/v1/repositories/calc", "application/zip",
        zip("calc.py", "def add(a, b):\n    return a + b\n"));
    assertThat(replaced.status()).as(replaced.body()).isEqualTo(200);
    assertThat(replaced.json().path("files").asLong()).isEqualTo(1);
    dir = store.find("alice", "calc").block();
    assertThat(Files.readString(dir.resolve("calc.py"))).contains("return a + b");
    assertThat(dir.resolve("test_calc.py")).doesNotExist();

    // Other tenants see nothing of it.
    assertThat(bob.get("/v1/repositories").json().path("data").toString()).doesNotContain("calc");
    assertThat(bob.get("/v1/repositories/calc").status()).isEqualTo(404);
    assertThat(bob.delete("/v1/repositories/calc").status()).isEqualTo(404);
    assertThat(alice.get("/v1/repositories/calc").status()).isEqualTo(200);

    assertThat(alice.delete("/v1/repositories/calc").status()).isEqualTo(204);
    assertThat(alice.delete("/v1/repositories/calc").status()).isEqualTo(404);
    Http.Response gone = alice.get("/v1/repositories/calc");
    assertThat(gone.status()).isEqualTo(404);
    assertThat(gone.contentType()).contains("problem+json");
    assertThat(alice.get("/v1/repositories").json().path("data").toString()).doesNotContain("calc");
  }

  @Test
  void uploadsMayBeLargerThanOtherBodies() throws IOException {
    byte[] noise = new byte[3 << 20];
    new Random(3).nextBytes(noise);
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (TarArchiveOutputStream tar = new TarArchiveOutputStream(bytes)) {
      TarArchiveEntry entry = new TarArchiveEntry("blob.bin");
      entry.setSize(noise.length);
      tar.putArchiveEntry(entry);
      tar.write(noise);
      tar.closeArchiveEntry();
    }
    Http.Response r = carol.putBytes("/v1/repositories/big", "application/x-tar", bytes.toByteArray());
    assertThat(r.status()).as(r.body()).isEqualTo(201);
    assertThat(r.json().path("bytes").asLong()).isEqualTo(3 << 20);
    assertThat(carol.delete("/v1/repositories/big").status()).isEqualTo(204);
  }

  @Test
  void badArchivesAndNamesAreRefusedAsProblems() throws IOException {
    Http.Response notArchive = bob.putBytes("/v1/repositories/junk", "text/plain",
        "this is no archive\n".repeat(50).getBytes(StandardCharsets.UTF_8));
    assertThat(notArchive.status()).isEqualTo(400);
    assertThat(notArchive.contentType()).contains("problem+json");
    assertThat(notArchive.body()).contains("archive").contains("not a tar, tar.gz or zip");

    Http.Response escaping = bob.putBytes("/v1/repositories/junk", "application/zip", zip("../escape.txt", "x"));
    assertThat(escaping.status()).isEqualTo(400);
    assertThat(escaping.body()).contains("archive").contains("../escape.txt");

    Http.Response empty = bob.putBytes("/v1/repositories/junk", "application/octet-stream", new byte[0]);
    assertThat(empty.status()).isEqualTo(400);
    assertThat(empty.body()).contains("archive");

    for (String bad : new String[] {"bad~name", "x".repeat(65), "..."}) {
      Http.Response r = bob.putBytes("/v1/repositories/" + bad, "application/zip", zip("a.txt", "a"));
      assertThat(r.status()).as(bad).isEqualTo(400);
      assertThat(r.body()).contains("name");
      assertThat(bob.get("/v1/repositories/" + bad).status()).as(bad).isEqualTo(400);
    }
    assertThat(bob.get("/v1/repositories").json().path("data").toString()).doesNotContain("junk");
  }

  @Test
  void withoutAKeyNothingIsAnswered() throws IOException {
    assertThat(anonymous.get("/v1/repositories").status()).isEqualTo(401);
    assertThat(anonymous.putBytes("/v1/repositories/calc", "application/zip", zip("a.txt", "a")).status()).isEqualTo(401);
    assertThat(anonymous.get("/v1/repositories/calc").status()).isEqualTo(401);
    assertThat(anonymous.delete("/v1/repositories/calc").status()).isEqualTo(401);
  }

  private static byte[] tarGz(String[] names, String[] contents) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (TarArchiveOutputStream tar = new TarArchiveOutputStream(new GzipCompressorOutputStream(bytes))) {
      for (int i = 0; i < names.length; i++) {
        byte[] content = contents[i].getBytes(StandardCharsets.UTF_8);
        TarArchiveEntry entry = new TarArchiveEntry(names[i]);
        entry.setSize(content.length);
        tar.putArchiveEntry(entry);
        tar.write(content);
        tar.closeArchiveEntry();
      }
    }
    return bytes.toByteArray();
  }

  private static byte[] zip(String name, String content) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ZipOutputStream zip = new ZipOutputStream(bytes)) {
      zip.putNextEntry(new ZipEntry(name));
      zip.write(content.getBytes(StandardCharsets.UTF_8));
      zip.closeEntry();
    }
    return bytes.toByteArray();
  }
}
