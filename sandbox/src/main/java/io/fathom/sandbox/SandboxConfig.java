package io.fathom.sandbox;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * Where and how sandboxes run.
 *
 * @param root the directory holding the workspaces ({@code root/ws/<id>}, mode 0700, owned by the
 *     sandbox user) and the state bubblewrap reads ({@code root/state}: the compiled seccomp filter,
 *     mode 0600, and the synthesized {@code /etc/passwd}, {@code group}, {@code hosts}, {@code
 *     nsswitch.conf}). Created with mode 0711; every ancestor must be searchable ({@code o+x}) by
 *     the sandbox user, because bubblewrap opens the workspace as that user. Keep it out of the
 *     service's data directory tree if that tree is private
 * @param userName the unprivileged host account programs run as (see {@link SandboxUser})
 * @param bwrap the bubblewrap binary
 * @param prlimit util-linux {@code prlimit}, which sets the rlimits
 * @param setpriv util-linux {@code setpriv}, which drops root to the sandbox user before bubblewrap
 * @param shell a POSIX shell: the first process of an execution, which joins the cgroups and opens
 *     the seccomp filter before it {@code exec}s into the chain above
 * @param cgroupRoot where the cgroup v1 controllers are mounted ({@code <root>/memory}, {@code
 *     pids}, {@code cpu}, and {@code freezer} if present)
 * @param cgroupParent the group under each controller that holds one child per execution
 * @param etcFiles host files under {@code /etc} bound read-only into the sandbox when present
 *     (what the dynamic loader, python3 and bash need; never {@code shadow} or secrets)
 * @param idleTimeout a sandbox unused for this long is destroyed ({@link Duration#ZERO}: never)
 * @param defaultLimits the limits of {@link Sandboxes#create()}
 * @param ceiling the largest limits {@link Sandboxes#create(Limits)} accepts
 */
public record SandboxConfig(
    Path root,
    String userName,
    Path bwrap,
    Path prlimit,
    Path setpriv,
    Path shell,
    Path cgroupRoot,
    String cgroupParent,
    List<String> etcFiles,
    Duration idleTimeout,
    Limits defaultLimits,
    Limits ceiling) {

  /** The default {@link #etcFiles()}. */
  public static final List<String> DEFAULT_ETC_FILES = List.of(
      "/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/ld.so.conf.d", "/etc/alternatives", "/etc/localtime",
      "/etc/os-release", "/etc/debian_version", "/etc/bash.bashrc", "/etc/inputrc", "/etc/profile",
      "/etc/python3", "/etc/python3.11", "/etc/python3.12", "/etc/python3.13", "/etc/mime.types");

  public SandboxConfig {
    Objects.requireNonNull(root, "root");
    Objects.requireNonNull(userName, "userName");
    Objects.requireNonNull(bwrap, "bwrap");
    Objects.requireNonNull(prlimit, "prlimit");
    Objects.requireNonNull(setpriv, "setpriv");
    Objects.requireNonNull(shell, "shell");
    Objects.requireNonNull(cgroupRoot, "cgroupRoot");
    Objects.requireNonNull(idleTimeout, "idleTimeout");
    Objects.requireNonNull(defaultLimits, "defaultLimits");
    Objects.requireNonNull(ceiling, "ceiling");
    root = root.toAbsolutePath().normalize();
    etcFiles = List.copyOf(etcFiles);
    for (String f : etcFiles) {
      if (!f.startsWith("/etc/") || f.contains("..") || f.equals("/etc/shadow") || f.equals("/etc/gshadow")) {
        throw new IllegalArgumentException("etcFiles entry not allowed: " + f);
      }
    }
    if (cgroupParent == null || !cgroupParent.matches("[A-Za-z0-9_.-]+")) {
      throw new IllegalArgumentException("cgroupParent must be a plain name");
    }
    defaultLimits.requireWithin(ceiling);
  }

  /** Debian paths, user {@code fathom-sandbox}, cgroups under {@code /sys/fs/cgroup/<ctrl>/fathom}, 30 min idle expiry. */
  public static SandboxConfig defaults(Path root) {
    Limits d = Limits.defaults();
    Limits ceiling = new Limits(8L << 30, 4096, 16, 3600, 4L << 30, 65536, 16 << 20, Duration.ofHours(1));
    return new SandboxConfig(root, SandboxUser.DEFAULT_NAME, Path.of("/usr/bin/bwrap"), Path.of("/usr/bin/prlimit"),
        Path.of("/usr/bin/setpriv"), Path.of("/bin/sh"), Path.of("/sys/fs/cgroup"), "fathom",
        DEFAULT_ETC_FILES, Duration.ofMinutes(30), d, ceiling);
  }

  public SandboxConfig withIdleTimeout(Duration d) {
    return new SandboxConfig(root, userName, bwrap, prlimit, setpriv, shell, cgroupRoot, cgroupParent, etcFiles, d,
        defaultLimits, ceiling);
  }

  public SandboxConfig withUserName(String u) {
    return new SandboxConfig(root, u, bwrap, prlimit, setpriv, shell, cgroupRoot, cgroupParent, etcFiles,
        idleTimeout, defaultLimits, ceiling);
  }

  public SandboxConfig withDefaultLimits(Limits l) {
    return new SandboxConfig(root, userName, bwrap, prlimit, setpriv, shell, cgroupRoot, cgroupParent, etcFiles,
        idleTimeout, l, ceiling);
  }

  public SandboxConfig withCgroupParent(String p) {
    return new SandboxConfig(root, userName, bwrap, prlimit, setpriv, shell, cgroupRoot, p, etcFiles,
        idleTimeout, defaultLimits, ceiling);
  }
}
