package io.fathom.sandbox;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Says exactly what this machine lacks to run sandboxes, with the command that fixes each item.
 * {@code sandbox/setup.sh} (run by the {@code ./fathom} launcher as root on Debian) installs the
 * same things; {@link Sandboxes} refuses to start while a required item is missing.
 *
 * <p>Run it by hand: {@code java -cp fathom-sandbox.jar:slf4j-api.jar io.fathom.sandbox.SandboxSetup
 * [root]} prints the report and exits 0 when ready, 1 otherwise.
 */
public final class SandboxSetup {

  private SandboxSetup() {}

  /** One item of the report. */
  public sealed interface Check permits Ok, Missing, Warning {
    String name();
  }

  /** Present and usable. */
  public record Ok(String name, String detail) implements Check {}

  /** Missing: sandboxes cannot run. {@code fix} is a shell command (or a precise instruction). */
  public record Missing(String name, String problem, String fix) implements Check {}

  /** Usable, with a weaker guarantee or a tool the agent will lack. */
  public record Warning(String name, String problem, String fix) implements Check {}

  /** The whole report. */
  public record Report(List<Check> checks) {
    public Report {
      checks = List.copyOf(checks);
    }

    public boolean ready() {
      return missing().isEmpty();
    }

    public List<Missing> missing() {
      return checks.stream().filter(c -> c instanceof Missing).map(c -> (Missing) c).toList();
    }

    /** Human-readable, one line per item. */
    public String describe() {
      StringBuilder sb = new StringBuilder();
      for (Check c : checks) {
        switch (c) {
          case Ok ok -> sb.append("ok       ").append(ok.name()).append(": ").append(ok.detail());
          case Missing m -> sb.append("MISSING  ").append(m.name()).append(": ").append(m.problem())
              .append("\n         fix: ").append(m.fix());
          case Warning w -> sb.append("warning  ").append(w.name()).append(": ").append(w.problem())
              .append("\n         fix: ").append(w.fix());
        }
        sb.append('\n');
      }
      return sb.toString();
    }
  }

  /** Checks everything {@code config} needs. Cheap (no process is started). */
  public static Report check(SandboxConfig config) {
    List<Check> checks = new ArrayList<>();
    long uid = currentUid();
    checks.add(uid == 0
        ? new Ok("root", "the service runs as root and drops to the sandbox user for every program")
        : new Missing("root", "the service runs as uid " + uid + "; it needs root to create cgroups, join them"
            + " and switch to the sandbox user",
            "run the service (or the separate sandbox server) as root"));
    checks.add(binary("bubblewrap", config.bwrap(), "apt-get install -y bubblewrap"));
    checks.add(binary("prlimit", config.prlimit(), "apt-get install -y util-linux"));
    checks.add(binary("setpriv", config.setpriv(), "apt-get install -y util-linux (or the 'setpriv' package)"));
    checks.add(binary("shell", config.shell(), "apt-get install -y dash"));
    try {
      SeccompLibrary lib = SeccompLibrary.load();
      checks.add(lib.resolve("ptrace") >= 0
          ? new Ok("libseccomp", SeccompLibrary.SONAME + " loaded through FFM")
          : new Missing("libseccomp", "libseccomp cannot resolve syscall names", SeccompLibrary.INSTALL));
    } catch (SandboxUnavailableException | LinkageError e) {
      checks.add(new Missing("libseccomp", e.getMessage(), SeccompLibrary.INSTALL));
    }
    Optional<SandboxUser> user = SandboxUser.lookup(config.userName());
    checks.add(user.<Check>map(u -> new Ok("sandbox user", u.name() + " (uid " + u.uid() + ", gid " + u.gid() + ")"))
        .orElseGet(() -> new Missing("sandbox user", "no unprivileged account '" + config.userName() + "'",
            config.userName().equals(SandboxUser.DEFAULT_NAME) ? SandboxUser.CREATE
                : "useradd --system --user-group --no-create-home --shell /usr/sbin/nologin "
                    + config.userName())));
    checks.add(userNamespaces());
    for (String c : CgroupV1.REQUIRED) {
      checks.add(cgroupController(config, c, true));
    }
    checks.add(cgroupController(config, CgroupV1.FREEZER, false));
    checks.add(rootSearchable(config.root()));
    checks.add(Files.isExecutable(Path.of("/usr/bin/python3"))
        ? new Ok("python3", "/usr/bin/python3")
        : new Warning("python3", "no /usr/bin/python3: the python tool will fail",
            "apt-get install -y python3"));
    return new Report(checks);
  }

  private static Check binary(String name, Path path, String fix) {
    return Files.isExecutable(path) ? new Ok(name, path.toString())
        : new Missing(name, path + " is missing or not executable", fix);
  }

  private static Check userNamespaces() {
    long max = readLong(Path.of("/proc/sys/user/max_user_namespaces"), 1);
    long clone = readLong(Path.of("/proc/sys/kernel/unprivileged_userns_clone"), 1);
    long apparmor = readLong(Path.of("/proc/sys/kernel/apparmor_restrict_unprivileged_userns"), 0);
    if (max <= 0) {
      return new Missing("user namespaces", "user.max_user_namespaces is 0",
          "sysctl -w user.max_user_namespaces=65536");
    }
    if (clone == 0) {
      return new Missing("user namespaces", "kernel.unprivileged_userns_clone is 0",
          "sysctl -w kernel.unprivileged_userns_clone=1");
    }
    if (apparmor == 1) {
      return new Missing("user namespaces", "AppArmor restricts unprivileged user namespaces",
          "sysctl -w kernel.apparmor_restrict_unprivileged_userns=0 (or an AppArmor profile for bwrap)");
    }
    return new Ok("user namespaces", "unprivileged user namespaces allowed (bubblewrap runs unprivileged)");
  }

  private static Check cgroupController(SandboxConfig config, String controller, boolean required) {
    Path dir = config.cgroupRoot().resolve(controller);
    String name = "cgroup v1 " + controller;
    String fix = "mkdir -p " + dir + " && mount -t cgroup -o " + controller + " cgroup " + dir
        + " (cgroup v1; on systemd hosts boot with systemd.unified_cgroup_hierarchy=0)";
    Path marker = dir.resolve(controller.equals("cpu") ? "cpu.cfs_quota_us"
        : controller.equals("memory") ? "memory.limit_in_bytes"
        : controller.equals("pids") ? "cgroup.procs" : "cgroup.procs");
    if (!Files.isDirectory(dir) || !Files.exists(marker)) {
      return required ? new Missing(name, dir + " is not a mounted cgroup v1 " + controller + " hierarchy", fix)
          : new Warning(name, dir + " is not mounted: kills at the deadline fall back to repeated kill rounds",
              fix);
    }
    if (!Files.isWritable(dir)) {
      return required ? new Missing(name, dir + " is not writable", "mount -o remount,rw " + dir)
          : new Warning(name, dir + " is not writable", "mount -o remount,rw " + dir);
    }
    return new Ok(name, dir.toString());
  }

  private static Check rootSearchable(Path root) {
    Path p = root.getParent();
    while (p != null) {
      if (Files.exists(p)) {
        try {
          Set<PosixFilePermission> perms = Files.getPosixFilePermissions(p);
          if (!perms.contains(PosixFilePermission.OTHERS_EXECUTE)) {
            return new Missing("sandbox root", p + " is not searchable by the sandbox user (mode "
                + java.nio.file.attribute.PosixFilePermissions.toString(perms) + ")",
                "chmod o+x " + p + " (or choose a sandbox root elsewhere, e.g. /var/lib/fathom-sandbox)");
          }
        } catch (IOException | UnsupportedOperationException e) {
          return new Missing("sandbox root", "cannot check " + p + ": " + e, "choose another sandbox root");
        }
      }
      p = p.getParent();
    }
    return new Ok("sandbox root", root.toString());
  }

  static long currentUid() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith("Uid:")) {
          return Long.parseLong(line.substring(4).strip().split("\\s+")[1]);
        }
      }
    } catch (IOException | RuntimeException e) {
      return -1;
    }
    return -1;
  }

  private static long readLong(Path p, long absent) {
    try {
      return Long.parseLong(Files.readString(p).strip());
    } catch (IOException | NumberFormatException e) {
      return absent;
    }
  }

  /** Prints the report for {@code args[0]} (default {@code /var/lib/fathom-sandbox}); exit 1 when not ready. */
  public static void main(String[] args) {
    Path root = Path.of(args.length > 0 ? args[0] : "/var/lib/fathom-sandbox");
    Report r = check(SandboxConfig.defaults(root));
    System.out.print(r.describe());
    System.out.println(r.ready() ? "sandbox: ready" : "sandbox: NOT ready (" + r.missing().size() + " missing)");
    System.exit(r.ready() ? 0 : 1);
  }
}
