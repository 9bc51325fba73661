package io.fathom.sandbox;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** Shared set-up of the sandbox tests: a root under /tmp (searchable by the sandbox user). */
public final class TestSandboxes {

  private TestSandboxes() {}

  public static Path newRoot() throws IOException {
    Path base = Files.createTempDirectory(Path.of("/tmp"), "fathom-sandbox-test-");
    Files.setPosixFilePermissions(base, PosixFilePermissions.fromString("rwx--x--x"));
    return base.resolve("root");
  }

  public static SandboxConfig config(Path root) {
    return SandboxConfig.defaults(root).withCgroupParent("fathom-test").withIdleTimeout(Duration.ZERO);
  }

  /** Skips the calling test class when the machine cannot run sandboxes, saying what is missing. */
  public static void assumeReady(SandboxConfig config) {
    SandboxSetup.Report r = SandboxSetup.check(config);
    assumeTrue(r.ready(), () -> "sandbox prerequisites missing (run sandbox/setup.sh as root):\n" + r.describe());
  }

  /**
   * Host pids of live processes owned by {@code uid}. Zombies are not counted: they run no code
   * and hold no memory; they are bubblewrap's namespace init, which exits after the outer bwrap
   * (bwrap reports the exit status through an eventfd and does not wait for it) and is reaped by
   * the host's init, on this machine lazily.
   */
  public static List<String> describeProcessesOf(int uid) {
    List<String> out = new ArrayList<>();
    for (long pid : processesOf(uid)) {
      try {
        String status = Files.readString(Path.of("/proc", Long.toString(pid), "status"));
        String cmd = Files.readString(Path.of("/proc", Long.toString(pid), "cmdline")).replace('\0', ' ');
        out.add(pid + " " + status.lines().filter(l -> l.startsWith("State") || l.startsWith("PPid") || l.startsWith("Name")).toList() + " " + cmd);
      } catch (IOException gone) {
        // exited
      }
    }
    return out;
  }

  public static List<Long> processesOf(int uid) {
    List<Long> pids = new ArrayList<>();
    try (var dirs = Files.list(Path.of("/proc"))) {
      for (Path d : dirs.toList()) {
        String name = d.getFileName().toString();
        if (!name.chars().allMatch(Character::isDigit)) {
          continue;
        }
        try {
          for (String line : Files.readAllLines(d.resolve("status"))) {
            if (line.startsWith("State:") && line.contains("zombie")) {
              break;
            }
            if (line.startsWith("Uid:") && line.substring(4).strip().split("\\s+")[0].equals(Integer.toString(uid))) {
              pids.add(Long.parseLong(name));
            }
          }
        } catch (IOException gone) {
          // exited meanwhile
        }
      }
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    return pids;
  }

  public static void deleteTree(Path p) throws IOException {
    Sandbox.deleteTree(p);
  }
}
