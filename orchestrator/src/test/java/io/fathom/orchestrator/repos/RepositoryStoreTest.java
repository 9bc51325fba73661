package io.fathom.orchestrator.repos;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.apache.commons.compress.archivers.zip.ZipArchiveEntry;
import org.apache.commons.compress.archivers.zip.ZipArchiveOutputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorOutputStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Repositories from tar, tar.gz and zip uploads: layout, modes, links, replacement and every refusal. */
class RepositoryStoreTest {

  @TempDir Path root;
  @TempDir Path uploads;

  private RepositoryStore store;

  @BeforeEach
  void store() {
    store = new RepositoryStore(root, new RepositoryLimits());
  }

  /** One archive entry: a file (with its mode), a directory, a symbolic link or a hard link. */
  record Entry(String name, String content, int mode, String link, boolean hardLink) {
    static Entry file(String name, String content) {
      return new Entry(name, content, 0644, null, false);
    }

    static Entry exec(String name, String content) {
      return new Entry(name, content, 0755, null, false);
    }

    static Entry dir(String name) {
      return new Entry(name.endsWith("/") ? name : name + "/", null, 0755, null, false);
    }

    static Entry symlink(String name, String target) {
      return new Entry(name, null, 0777, target, false);
    }

    static Entry hardLink(String name, String target) {
      return new Entry(name, null, 0644, target, true);
    }
  }

  @Test
  void aTarGzWithATopLevelPrefixIsStrippedAndKeepsModesAndInsideLinks() throws IOException {
    // As GitHub's tarballs: a global pax header with the commit, then everything under one directory.
    Path archive = tarGz(
        Entry.file("pax_global_header", "1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b"),
        Entry.dir("proj-1a2b3c"),
        Entry.file("proj-1a2b3c/README.md", "# Project\n"),
        Entry.dir("proj-1a2b3c/src"),
        Entry.file("proj-1a2b3c/src/main.py", "print('hi')\n"),
        Entry.exec("proj-1a2b3c/run.sh", "#!/bin/sh\necho run\n"),
        Entry.symlink("proj-1a2b3c/docs", "src"),
        Entry.symlink("proj-1a2b3c/src/readme", "../README.md"),
        Entry.hardLink("proj-1a2b3c/again.md", "proj-1a2b3c/README.md"));

    RepositoryStore.Stored stored = store.store("alice", "proj", archive).block();
    assertThat(stored.replaced()).isFalse();
    assertThat(stored.info()).isEqualTo(new RepositoryInfo("proj", 3, 10 + 12 + 19));

    Path dir = store.find("alice", "proj").block();
    assertThat(dir).isEqualTo(root.resolve("alice/proj"));
    assertThat(Files.readString(dir.resolve("README.md"))).isEqualTo("# Project\n");
    assertThat(Files.readString(dir.resolve("src/main.py"))).isEqualTo("print('hi')\n");
    assertThat(mode(dir.resolve("run.sh"))).isEqualTo("rwxr-xr-x");
    assertThat(mode(dir.resolve("README.md"))).isEqualTo("rw-r--r--");
    assertThat(mode(dir.resolve("src"))).isEqualTo("rwxr-xr-x");
    assertThat(Files.isSymbolicLink(dir.resolve("docs"))).isTrue();
    assertThat(Files.readSymbolicLink(dir.resolve("docs"))).isEqualTo(Path.of("src"));
    assertThat(Files.readString(dir.resolve("src/readme"))).isEqualTo("# Project\n");
    assertThat(dir.resolve("again.md")).as("hard links are passed over").doesNotExist();
    assertThat(dir.resolve("proj-1a2b3c")).doesNotExist();
    assertThat(leftovers("alice")).containsExactly("proj");
  }

  @Test
  void aZipKeepsTheExecutableBitAndLinksAndTwoTopLevelEntriesAreNotStripped() throws IOException {
    Path archive = zip(
        Entry.dir("app"),
        Entry.file("app/lib.py", "x = 1\n"),
        Entry.exec("app/tool", "#!/bin/sh\n"),
        Entry.symlink("app/link", "lib.py"),
        Entry.file("setup.cfg", "[metadata]\n"));

    RepositoryInfo info = store.put("alice", "zipped", archive).block();
    assertThat(info).isEqualTo(new RepositoryInfo("zipped", 3, 6 + 10 + 11));
    Path dir = store.find("alice", "zipped").block();
    assertThat(Files.readString(dir.resolve("app/lib.py"))).isEqualTo("x = 1\n");
    assertThat(mode(dir.resolve("app/tool"))).isEqualTo("rwxr-xr-x");
    assertThat(mode(dir.resolve("app/lib.py"))).isEqualTo("rw-r--r--");
    assertThat(Files.readSymbolicLink(dir.resolve("app/link"))).isEqualTo(Path.of("lib.py"));
    assertThat(dir.resolve("setup.cfg")).exists();
  }

  @Test
  void aPlainTarAndAZipWithoutUnixModesAreRead() throws IOException {
    assertThat(store.put("alice", "plain", tar(Entry.file("a.txt", "a"), Entry.file("./b/c.txt", "bc"))).block())
        .isEqualTo(new RepositoryInfo("plain", 2, 3));
    Path dir = store.find("alice", "plain").block();
    assertThat(Files.readString(dir.resolve("b/c.txt"))).isEqualTo("bc");

    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (java.util.zip.ZipOutputStream zip = new java.util.zip.ZipOutputStream(bytes)) {
      zip.putNextEntry(new java.util.zip.ZipEntry("only/file.txt"));
      zip.write("text".getBytes(StandardCharsets.UTF_8));
      zip.closeEntry();
    }
    Path archive = write(bytes.toByteArray());
    assertThat(store.put("alice", "jdkzip", archive).block()).isEqualTo(new RepositoryInfo("jdkzip", 1, 4));
    // One top-level directory holds everything: stripped.
    assertThat(mode(store.find("alice", "jdkzip").block().resolve("file.txt"))).isEqualTo("rw-r--r--");
  }

  @Test
  void aRepositoryIsReplacedWholeAndListedAndDeleted() throws IOException {
    assertThat(store.store("alice", "proj", tarGz(Entry.file("old.txt", "old"), Entry.file("keep.txt", "1"))).block().replaced())
        .isFalse();
    RepositoryStore.Stored again = store.store("alice", "proj", zip(Entry.file("new.txt", "new!"))).block();
    assertThat(again.replaced()).isTrue();
    assertThat(again.info()).isEqualTo(new RepositoryInfo("proj", 1, 4));
    Path dir = store.find("alice", "proj").block();
    assertThat(dir.resolve("old.txt")).doesNotExist();
    assertThat(dir.resolve("new.txt")).hasContent("new!");

    store.put("alice", "another.repo", tar(Entry.file("x", "xy"))).block();
    assertThat(store.list("alice").block())
        .containsExactly(new RepositoryInfo("another.repo", 1, 2), new RepositoryInfo("proj", 1, 4));
    assertThat(store.info("alice", "proj").block()).isEqualTo(new RepositoryInfo("proj", 1, 4));
    assertThat(leftovers("alice")).containsExactlyInAnyOrder("proj", "another.repo");

    assertThat(store.delete("alice", "proj").block()).isTrue();
    assertThat(store.delete("alice", "proj").block()).isFalse();
    assertThat(store.list("alice").block()).extracting(RepositoryInfo::name).containsExactly("another.repo");
    assertThat(leftovers("alice")).containsExactly("another.repo");
    assertThatThrownBy(() -> store.find("alice", "proj").block())
        .isInstanceOf(RepositoryNotFoundException.class)
        .hasMessageContaining("'proj'");
    assertThatThrownBy(() -> store.info("alice", "proj").block()).isInstanceOf(RepositoryNotFoundException.class);
  }

  @Test
  void tenantsDoNotSeeEachOthersRepositories() throws IOException {
    store.put("alice", "secret", tar(Entry.file("key", "k"))).block();
    assertThat(store.list("bob").block()).isEmpty();
    assertThatThrownBy(() -> store.find("bob", "secret").block()).isInstanceOf(RepositoryNotFoundException.class);
    assertThat(store.delete("bob", "secret").block()).isFalse();
    store.put("bob", "secret", tar(Entry.file("other", "oo"))).block();
    assertThat(store.find("alice", "secret").block().resolve("key")).exists();
    assertThat(store.find("bob", "secret").block().resolve("key")).doesNotExist();
  }

  @Test
  void badNamesAreRefused() {
    for (String bad : new String[] {"..", ".", "a/b", "", "x".repeat(65), "semi;colon", "~x"}) {
      assertThatThrownBy(() -> store.find("alice", bad).block()).as(bad).isInstanceOf(IllegalArgumentException.class);
      assertThatThrownBy(() -> store.find(bad, "repo").block()).as(bad).isInstanceOf(IllegalArgumentException.class);
    }
    assertThatThrownBy(() -> store.list("../alice").block()).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void unsafeEntriesFailTheWholeUploadAndLeaveNothingBehind() throws IOException {
    store.put("alice", "proj", tar(Entry.file("good.txt", "good"))).block();

    refused(tar(Entry.file("ok.txt", "ok"), Entry.file("../evil.txt", "evil")), "'../evil.txt'", "..");
    refused(tarRaw("a/../../evil.txt", "evil"), "a/../../evil.txt", "..");
    refused(tarRaw("/etc/evil", "evil"), "'/etc/evil'", "absolute");
    refused(zip(Entry.file("ok.txt", "ok"), Entry.file("../zip-evil.txt", "evil")), "../zip-evil.txt", "..");
    refused(tar(Entry.symlink("up", "../../etc")), "'up'", "outside");
    refused(tar(Entry.symlink("abs", "/etc/passwd")), "'abs'", "absolute");
    refused(zip(Entry.symlink("zipup", "../outside")), "'zipup'", "outside");
    // Inside by its text, but the link it goes through climbs out.
    refused(tar(Entry.symlink("deep/x/top", "../.."), Entry.symlink("l", "deep/x/top/..")), "'l'", "outside");
    // Inside the archive's top directory, outside once that prefix is stripped.
    refused(tarGz(Entry.file("p/a.txt", "a"), Entry.symlink("p/sibling", "../q")), "'p/sibling'", "outside");
    // Files are never written through a link, even one pointing inside.
    refused(tar(Entry.dir("sub"), Entry.symlink("l", "sub"), Entry.file("l/file", "x")), "'l/file'", "symbolic link");
    refused(tar(Entry.symlink("loop", "loop")), "'loop'", "outside");

    assertThat(leftovers("alice")).containsExactly("proj");
    assertThat(store.find("alice", "proj").block().resolve("good.txt")).hasContent("good");
    assertThat(root.getParent().resolve("evil.txt")).doesNotExist();
    assertThat(root.resolve("evil.txt")).doesNotExist();
    try (Stream<Path> all = Files.walk(root)) {
      assertThat(all.map(p -> p.getFileName().toString())).doesNotContain("evil.txt", "zip-evil.txt", "evil");
    }
  }

  @Test
  void whatIsNoArchiveIsRefused() throws IOException {
    assertThatThrownBy(() -> store.put("alice", "x", write(new byte[0])).block())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("empty");
    assertThatThrownBy(() -> store.put("alice", "x", write("just some text\n".repeat(100).getBytes())).block())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not a tar, tar.gz or zip");
    ByteArrayOutputStream gz = new ByteArrayOutputStream();
    try (OutputStream out = new GzipCompressorOutputStream(gz)) {
      out.write("plain text, gzipped\n".repeat(100).getBytes());
    }
    assertThatThrownBy(() -> store.put("alice", "x", write(gz.toByteArray())).block())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("gzip");
    byte[] truncated = java.util.Arrays.copyOf(Files.readAllBytes(tarGz(Entry.file("a", noise(100_000)))), 200);
    assertThatThrownBy(() -> store.put("alice", "x", write(truncated)).block())
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(leftovers("alice")).isEmpty();
  }

  @Test
  void limitsHoldWhileTheArchiveStreams() throws IOException {
    RepositoryStore small = new RepositoryStore(root, new RepositoryLimits(25, 4, 10));
    assertThat(small.put("alice", "fits", tar(Entry.file("a", "0123456789"), Entry.file("b", "0123456789"))).block())
        .isEqualTo(new RepositoryInfo("fits", 2, 20));

    assertThatThrownBy(() -> small.put("alice", "x", tar(Entry.file("big", "01234567890"))).block())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'big'").hasMessageContaining("10 bytes");
    assertThatThrownBy(() -> small.put("alice", "x",
            tarGz(Entry.file("a", "0123456789"), Entry.file("b", "0123456789"), Entry.file("c", "0123456789"))).block())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("more than 25 bytes");
    assertThatThrownBy(() -> small.put("alice", "x",
            zip(Entry.file("a", "1"), Entry.file("b", "2"), Entry.file("c", "3"), Entry.file("d", "4"), Entry.file("e", "5"))).block())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("more than 4");
    assertThatThrownBy(() -> small.put("alice", "x",
            tar(Entry.file("a", "1"), Entry.file("b", "2"), Entry.file("c", "3"), Entry.file("d", "4"), Entry.file("e", "5"))).block())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("more than 4 entries");
    // A bomb: a megabyte of zeros, a kilobyte compressed, against a 1000-byte limit.
    assertThatThrownBy(() -> new RepositoryStore(root, new RepositoryLimits(1000, 10, 1L << 30))
            .put("alice", "x", tarGz(Entry.file("zeros", "\0".repeat(1 << 20)))).block())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("more than 1000 bytes");
    assertThat(leftovers("alice")).containsExactly("fits");
  }

  @Test
  void theDefaultLimitsAreThoseDocumented() {
    assertThat(new RepositoryLimits()).isEqualTo(new RepositoryLimits(2L << 30, 200_000, 512L << 20));
  }

  // --- helpers ---

  /** Text that hardly compresses. */
  private static String noise(int chars) {
    java.util.Random random = new java.util.Random(7);
    StringBuilder out = new StringBuilder(chars);
    while (out.length() < chars) {
      out.append(Integer.toHexString(random.nextInt()));
    }
    return out.substring(0, chars);
  }

  private void refused(Path archive, String entry, String reason) {
    assertThatThrownBy(() -> store.put("alice", "proj", archive).block())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(entry)
        .hasMessageContaining(reason);
  }

  /** What the tenant's directory holds (repositories, and any staging left behind). */
  private List<String> leftovers(String tenant) throws IOException {
    Path dir = root.resolve(tenant);
    if (!Files.exists(dir)) {
      return List.of();
    }
    try (Stream<Path> all = Files.list(dir)) {
      return all.map(p -> p.getFileName().toString()).toList();
    }
  }

  private static String mode(Path path) throws IOException {
    return PosixFilePermissions.toString(Files.getPosixFilePermissions(path, LinkOption.NOFOLLOW_LINKS));
  }

  private Path write(byte[] bytes) throws IOException {
    return Files.write(Files.createTempFile(uploads, "upload-", ".bin"), bytes);
  }

  private Path tar(Entry... entries) throws IOException {
    return write(tarBytes(entries));
  }

  private Path tarGz(Entry... entries) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (OutputStream gz = new GzipCompressorOutputStream(bytes)) {
      gz.write(tarBytes(entries));
    }
    return write(bytes.toByteArray());
  }

  /** A tar of one file whose name is written as is (TarArchiveEntry would normalize it). */
  private Path tarRaw(String name, String content) throws IOException {
    byte[] tar = tarBytes(Entry.file("PLACEHOLDER".repeat(5).substring(0, name.length()), content));
    byte[] raw = name.getBytes(StandardCharsets.UTF_8);
    System.arraycopy(raw, 0, tar, 0, raw.length);
    // Fix the header checksum: the sum of its bytes with the checksum field as spaces.
    java.util.Arrays.fill(tar, 148, 156, (byte) ' ');
    long sum = 0;
    for (int i = 0; i < 512; i++) {
      sum += tar[i] & 0xff;
    }
    byte[] checksum = String.format("%06o\0 ", sum).getBytes(StandardCharsets.US_ASCII);
    System.arraycopy(checksum, 0, tar, 148, 8);
    return write(tar);
  }

  private static byte[] tarBytes(Entry... entries) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (TarArchiveOutputStream tar = new TarArchiveOutputStream(bytes)) {
      tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
      for (Entry e : entries) {
        TarArchiveEntry t;
        if (e.link() != null) {
          t = new TarArchiveEntry(e.name(), e.hardLink() ? TarConstants.LF_LINK : TarConstants.LF_SYMLINK);
          t.setLinkName(e.link());
        } else if (e.name().equals("pax_global_header")) {
          // The stream writes the headers of a global pax entry itself.
          t = new TarArchiveEntry(e.name(), TarConstants.LF_PAX_GLOBAL_EXTENDED_HEADER);
          t.addPaxHeader("comment", e.content());
          tar.putArchiveEntry(t); // written whole, nothing to close
          continue;
        } else {
          t = new TarArchiveEntry(e.name());
        }
        t.setMode((t.isDirectory() ? 040000 : t.isSymbolicLink() ? 0120000 : 0100000) | e.mode());
        byte[] content = e.content() == null ? new byte[0] : e.content().getBytes(StandardCharsets.UTF_8);
        if (e.content() != null) {
          t.setSize(content.length);
        }
        tar.putArchiveEntry(t);
        tar.write(content);
        tar.closeArchiveEntry();
      }
    }
    return bytes.toByteArray();
  }

  private Path zip(Entry... entries) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    List<Entry> all = new ArrayList<>(List.of(entries));
    try (ZipArchiveOutputStream zip = new ZipArchiveOutputStream(bytes)) {
      for (Entry e : all) {
        ZipArchiveEntry z = new ZipArchiveEntry(e.name());
        byte[] content = e.link() != null ? e.link().getBytes(StandardCharsets.UTF_8)
            : e.content() == null ? new byte[0] : e.content().getBytes(StandardCharsets.UTF_8);
        int type = e.link() != null ? 0120000 : e.content() == null ? 040000 : 0100000;
        z.setUnixMode(type | e.mode());
        zip.putArchiveEntry(z);
        zip.write(content);
        zip.closeArchiveEntry();
      }
    }
    return write(bytes.toByteArray());
  }
}
