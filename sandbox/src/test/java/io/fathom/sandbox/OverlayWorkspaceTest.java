package io.fathom.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Copy-on-write workspaces over a repository ({@link Sandboxes#create(Limits, Path)}). */
class OverlayWorkspaceTest {

  static Path root;
  static Path repository;
  static Sandboxes sandboxes;

  @BeforeAll
  static void start() throws IOException {
    root = TestSandboxes.newRoot();
    SandboxConfig config = TestSandboxes.config(root).withCgroupParent("fathom-test-overlay");
    TestSandboxes.assumeReady(config);
    sandboxes = new Sandboxes(config);
    // A repository as root checks it out: root-owned files, 0644, not writable by the sandbox user.
    repository = root.getParent().resolve("repo");
    Files.createDirectories(repository.resolve("pkg"));
    Files.writeString(repository.resolve("app.py"), "VALUE = 1\n");
    Files.writeString(repository.resolve("pkg/util.py"), "def f():\n    return 2\n");
    Files.writeString(repository.resolve("README"), "hello\n");
    Files.createSymbolicLink(repository.resolve("link.py"), Path.of("app.py"));
    Files.setPosixFilePermissions(repository.resolve("app.py"), PosixFilePermissions.fromString("rw-r--r--"));
  }

  @AfterAll
  static void stop() throws IOException {
    if (sandboxes != null) {
      sandboxes.close();
    }
    if (root != null) {
      TestSandboxes.deleteTree(root.getParent());
    }
  }

  private static String text(Sandbox s, String path) throws IOException {
    return new String(s.read(path), StandardCharsets.UTF_8);
  }

  @Test
  void twoSandboxesOverOneRepositorySeeItAndKeepTheirChangesPrivate() throws Exception {
    Sandbox a = sandboxes.create(repository);
    Sandbox b = sandboxes.create(Limits.defaults(), repository);
    try {
      assertThat(text(a, "app.py")).isEqualTo("VALUE = 1\n");
      assertThat(text(b, "pkg/util.py")).contains("return 2");
      assertThat(a.list("").stream().map(FileEntry::name)).containsExactly("README", "app.py", "link.py", "pkg");

      // writes through the file API and by a program, a delete, a new file: all in a only
      a.write("app.py", "VALUE = 10\n".getBytes(StandardCharsets.UTF_8));
      ExecResult r = a.exec(ExecRequest.bash("set -e; rm README; echo new > new.txt; echo '# x' >> pkg/util.py; ls"));
      assertThat(r.exitCode()).as(r.stderr()).isZero();
      assertThat(r.stdout().lines()).containsExactly("app.py", "link.py", "new.txt", "pkg");

      assertThat(text(b, "app.py")).isEqualTo("VALUE = 1\n");
      assertThat(text(b, "README")).isEqualTo("hello\n");
      assertThat(text(b, "pkg/util.py")).doesNotContain("# x");
      assertThat(b.exec(ExecRequest.bash("ls")).stdout().lines()).containsExactly("README", "app.py", "link.py", "pkg");

      assertThat(Files.readString(repository.resolve("app.py"))).isEqualTo("VALUE = 1\n");
      assertThat(repository.resolve("README")).exists();
      assertThat(repository.resolve("new.txt")).doesNotExist();
      assertThat(Files.readString(repository.resolve("pkg/util.py"))).doesNotContain("# x");
      assertThat(Files.getOwner(repository.resolve("app.py")).getName()).isEqualTo("root");
    } finally {
      sandboxes.destroy(a.id());
      sandboxes.destroy(b.id());
    }
  }

  @Test
  void programsEditRootOwnedRepositoryFiles() throws Exception {
    Sandbox s = sandboxes.create(repository);
    try {
      ExecResult r = s.exec(ExecRequest.python(
          "import pathlib\n"
              + "p = pathlib.Path('app.py')\n"
              + "p.write_text(p.read_text().replace('1', '42'))\n"
              + "import app\n"
              + "print(app.VALUE, pathlib.Path('link.py').read_text().strip())\n"));
      assertThat(r.exitCode()).as(r.stderr()).isZero();
      assertThat(r.stdout().strip()).isEqualTo("42 VALUE = 42");
      assertThat(text(s, "app.py")).isEqualTo("VALUE = 42\n");
      assertThat(Files.readString(repository.resolve("app.py"))).isEqualTo("VALUE = 1\n");
    } finally {
      sandboxes.destroy(s.id());
    }
  }

  @Test
  void gitWorksOnTheOverlay() throws Exception {
    org.junit.jupiter.api.Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/git")), "git is not installed");
    // Build a git repository inside a plain sandbox, then use its workspace as the repository.
    Sandbox maker = sandboxes.create();
    try {
      ExecResult init = maker.exec(ExecRequest.bash(
          "set -e; git init -q .; git config user.email t@example.com; git config user.name t;"
              + " printf 'x = 1\\n' > m.py; git add m.py; git commit -qm init; git status --porcelain"));
      assertThat(init.exitCode()).as(init.stderr()).isZero();
      Sandbox s = sandboxes.create(maker.workspace());
      try {
        ExecResult r = s.exec(ExecRequest.bash(
            "set -e; git status --porcelain; printf 'x = 2\\n' > m.py; echo ---; git status --porcelain; git diff --stat"));
        assertThat(r.exitCode()).as(r.stderr()).isZero();
        assertThat(r.stdout()).startsWith("---\n").contains(" M m.py").contains("1 file changed");
        assertThat(text(maker, "m.py")).isEqualTo("x = 1\n");
      } finally {
        sandboxes.destroy(s.id());
      }
    } finally {
      sandboxes.destroy(maker.id());
    }
  }

  @Test
  void destroyUnmountsAndDeletesTheChanges() throws Exception {
    Sandbox s = sandboxes.create(repository);
    s.write("scratch.txt", "x".getBytes(StandardCharsets.UTF_8));
    Path ws = s.workspace();
    Path layers = root.resolve("overlay/layers").resolve(s.id());
    assertThat(mountinfo()).contains(ws.toString());
    assertThat(layers.resolve("upper/scratch.txt")).exists();
    assertThat(Files.getOwner(layers.resolve("upper")).getName()).isEqualTo(sandboxes.user().name());

    assertThat(sandboxes.destroy(s.id())).isTrue();
    assertThat(mountinfo()).doesNotContain(ws.toString());
    assertThat(ws).doesNotExist();
    assertThat(layers).doesNotExist();
    assertThat(repository.resolve("app.py")).exists();
  }

  @Test
  void idleExpiryUnmountsToo() throws Exception {
    Sandbox s = sandboxes.create(repository);
    Thread.sleep(300);
    sandboxes.expireIdle(java.time.Duration.ofMillis(200));
    assertThat(s.isDestroyed()).isTrue();
    assertThat(mountinfo()).doesNotContain(s.workspace().toString());
    assertThat(s.workspace()).doesNotExist();
  }

  @Test
  void aMissingRepositoryIsAClearError() throws Exception {
    Path missing = root.getParent().resolve("no-such-repo");
    assertThatThrownBy(() -> sandboxes.create(missing))
        .isInstanceOf(SandboxUnavailableException.class)
        .hasMessage("repository " + missing + " does not exist");
    Path file = repository.resolve("README");
    assertThatThrownBy(() -> sandboxes.create(file))
        .isInstanceOf(SandboxUnavailableException.class).hasMessageContaining("is not a directory");
    // nothing half-made stays behind
    assertThat(mountinfo()).doesNotContain(root.resolve("ws").toString() + "/");
    try (var ws = Files.list(root.resolve("ws"))) {
      List<Path> left = ws.filter(p -> sandboxes.get(p.getFileName().toString()).isEmpty()).toList();
      assertThat(left).isEmpty();
    }
  }

  @Test
  void leftoverMountsOfAnEarlierRunAreUnmountedAtStart() throws Exception {
    Path other = Files.createTempDirectory(root.getParent(), "leftover-");
    Path lower = Files.createDirectories(other.resolve("lower"));
    Files.writeString(lower.resolve("f"), "f");
    Path ws = Files.createDirectories(other.resolve("ws/abc"));
    Path layers = Files.createDirectories(other.resolve("overlay/layers/abc"));
    Files.createDirectories(layers.resolve("upper"));
    Files.createDirectories(layers.resolve("work"));
    LinuxMounts.mount("fathom-overlay", ws, "overlay", 0,
        "lowerdir=" + lower + ",upperdir=" + layers.resolve("upper") + ",workdir=" + layers.resolve("work"));
    try {
      assertThat(ws.resolve("f")).exists();
      assertThat(LinuxMounts.isMountPoint(ws)).isTrue();
      new OverlayWorkspaces(other.resolve("overlay"), other.resolve("ws"), sandboxes);
      assertThat(LinuxMounts.isMountPoint(ws)).isFalse();
      assertThat(other.resolve("overlay/layers/abc")).doesNotExist();
      assertThat(other.resolve("overlay/repos")).isDirectory();
    } finally {
      OverlayWorkspace.unmount(ws);
    }
  }

  @Test
  void unmountingWhatIsNotMountedIsNotAnError() throws Exception {
    Path d = Files.createTempDirectory(root.getParent(), "plain-");
    OverlayWorkspace.unmount(d);
    assertThatThrownBy(() -> LinuxMounts.umount(d, 0))
        .isInstanceOf(LinuxMounts.MountException.class).hasMessageContaining("Invalid argument");
  }

  @Test
  void mountinfoEscapesAreDecoded() {
    assertThat(LinuxMounts.unescape("/a\\040b\\134c")).isEqualTo("/a b\\c");
  }

  private static String mountinfo() throws IOException {
    return Files.readString(Path.of("/proc/self/mountinfo"));
  }
}
