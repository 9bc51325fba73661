package io.fathom.sandbox;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Builds the process chain of one execution:
 *
 * <pre>
 * sh -c JOIN fathom-sandbox N procs... filter.bpf \
 *   prlimit --cpu=S:S+1 --fsize=B:B --nofile=N:N --core=0:0 -- \
 *   setpriv --reuid=U --regid=G --clear-groups --no-new-privs -- \
 *   bwrap [namespaces, mounts, env, --seccomp 3] -- argv...
 * </pre>
 *
 * <ul>
 *   <li>{@code sh} (root) writes its pid into each cgroup's {@code cgroup.procs} and opens the
 *       seccomp filter as fd 3, then {@code exec}s: user code can only start inside the cgroups.
 *   <li>rlimits through {@code prlimit} (util-linux), inherited across every {@code exec} below. The
 *       JVM cannot run code between fork and exec, so setrlimit through FFM would apply to the JVM
 *       itself; a wrapper binary is the simple correct choice. {@code RLIMIT_NPROC} is not used: it
 *       counts per uid across all sandboxes; {@code pids.max} is per execution.
 *   <li>{@code setpriv} drops to the unprivileged sandbox user (real, effective, saved ids; no
 *       groups; {@code no_new_privs}), so bubblewrap runs unprivileged and the program's host uid is
 *       the sandbox user's: a process that got out of every namespace would still be nobody in
 *       particular. (Run as root, bwrap would map the sandbox uid to host root.)
 *   <li>bubblewrap: {@code --unshare-all} (user, pid, net, ipc, uts, cgroup namespaces; the net
 *       namespace has only a down loopback), {@code --disable-userns}, {@code --die-with-parent},
 *       {@code --new-session} (no TIOCSTI into a terminal), {@code --cap-drop ALL}; a read-only
 *       {@code /usr} (and the {@code /bin}, {@code /lib}… symlinks or binds of the host layout), a
 *       few {@code /etc} files, synthesized {@code /etc/passwd}, {@code group}, {@code hosts},
 *       {@code nsswitch.conf}; fresh {@code /proc} and {@code /dev}; a {@code /tmp} tmpfs capped at
 *       the memory limit; the workspace read-write at {@code /workspace} (the cwd); the root
 *       remounted read-only; the environment cleared to a fixed {@code PATH}, {@code HOME}, {@code
 *       LANG}, {@code TMPDIR}, {@code USER} plus the request's validated variables; the seccomp
 *       filter from fd 3.
 * </ul>
 */
final class CommandLine {

  static final String SETUP_FAILED = "fathom-sandbox-setup-failed:";
  static final int SETUP_FAILED_EXIT = 125;
  static final String WORKSPACE = "/workspace";
  static final String PATH = "/usr/local/bin:/usr/bin:/bin";

  /** Joins the cgroups, opens the filter as fd 3, then execs the rest. Positional args: N procs... bpf cmd... */
  static final String JOIN = """
            n=$1; shift
            while [ "$n" -gt 0 ]; do
              echo $$ > "$1" || { echo "%1$s cannot join cgroup $1" >&2; exit %2$d; }
              shift; n=$((n-1))
            done
            exec 3< "$1" || { echo "%1$s cannot open seccomp filter $1" >&2; exit %2$d; }
            shift
            exec "$@"
            """.formatted(SETUP_FAILED, SETUP_FAILED_EXIT);

  private static final List<String> TOP_LEVEL = List.of("bin", "sbin", "lib", "lib64", "lib32", "libx32");

  private final SandboxConfig config;
  private final SandboxUser user;
  private final Path seccompFile;
  private final List<String> mounts;

  CommandLine(SandboxConfig config, SandboxUser user, Path seccompFile, Path etcDir) {
    this.config = config;
    this.user = user;
    this.seccompFile = seccompFile;
    this.mounts = systemMounts(config, etcDir);
  }

  private static List<String> systemMounts(SandboxConfig config, Path etcDir) {
    List<String> m = new ArrayList<>(List.of("--ro-bind", "/usr", "/usr"));
    for (String top : TOP_LEVEL) {
      Path p = Path.of("/", top);
      try {
        if (Files.isSymbolicLink(p)) {
          m.addAll(List.of("--symlink", Files.readSymbolicLink(p).toString(), p.toString()));
        } else if (Files.isDirectory(p)) {
          m.addAll(List.of("--ro-bind", p.toString(), p.toString()));
        }
      } catch (java.io.IOException e) {
        throw new SandboxUnavailableException("cannot inspect " + p, e);
      }
    }
    for (String f : config.etcFiles()) {
      if (Files.exists(Path.of(f))) {
        m.addAll(List.of("--ro-bind", f, f));
      }
    }
    for (String f : List.of("passwd", "group", "hosts", "nsswitch.conf", "hostname")) {
      m.addAll(List.of("--ro-bind", etcDir.resolve(f).toString(), "/etc/" + f));
    }
    return List.copyOf(m);
  }

  /** The synthesized /etc files: only root, the sandbox user and nobody exist. */
  static Map<String, String> etcFiles(SandboxUser user) {
    return Map.of(
        "passwd", "root:x:0:0:root:/root:/usr/sbin/nologin\n"
            + "sandbox:x:" + user.uid() + ":" + user.gid() + ":Fathom sandbox:/workspace:/bin/bash\n"
            + "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n",
        "group", "root:x:0:\nsandbox:x:" + user.gid() + ":\nnogroup:x:65534:\n",
        "hosts", "127.0.0.1 localhost sandbox\n::1 localhost ip6-localhost\n",
        "nsswitch.conf", "passwd: files\ngroup: files\nshadow: files\nhosts: files\n",
        "hostname", "sandbox\n");
  }

  List<String> build(Path workspace, CgroupV1.ExecCgroup cg, Limits limits, ExecRequest req) {
    List<String> c = new ArrayList<>();
    c.add(config.shell().toString());
    c.add("-c");
    c.add(JOIN);
    c.add("fathom-sandbox");
    List<Path> procs = cg.procsFiles();
    c.add(Integer.toString(procs.size()));
    procs.forEach(p -> c.add(p.toString()));
    c.add(seccompFile.toString());

    c.add(config.prlimit().toString());
    c.add("--cpu=" + limits.cpuSeconds() + ":" + (limits.cpuSeconds() + 1));
    c.add("--fsize=" + limits.fileSizeBytes() + ":" + limits.fileSizeBytes());
    c.add("--nofile=" + limits.openFiles() + ":" + limits.openFiles());
    c.add("--core=0:0");
    c.add("--");

    c.add(config.setpriv().toString());
    c.add("--reuid=" + user.uid());
    c.add("--regid=" + user.gid());
    c.add("--clear-groups");
    c.add("--no-new-privs");
    c.add("--");

    c.add(config.bwrap().toString());
    c.addAll(List.of("--unshare-all", "--unshare-user", "--disable-userns", "--die-with-parent", "--new-session",
        "--cap-drop", "ALL", "--uid", Integer.toString(user.uid()), "--gid", Integer.toString(user.gid()),
        "--hostname", "sandbox"));
    c.addAll(mounts);
    c.addAll(List.of("--proc", "/proc", "--dev", "/dev"));
    c.addAll(List.of("--size", Long.toString(limits.memoryBytes()), "--tmpfs", "/tmp"));
    c.addAll(List.of("--bind", workspace.toString(), WORKSPACE, "--chdir", WORKSPACE));
    c.addAll(List.of("--remount-ro", "/"));
    Map<String, String> env = new TreeMap<>(req.env());
    env.put("PATH", PATH);
    env.put("HOME", WORKSPACE);
    env.put("LANG", "C.UTF-8");
    env.put("TMPDIR", "/tmp");
    env.put("USER", "sandbox");
    env.put("LOGNAME", "sandbox");
    c.add("--clearenv");
    env.forEach((k, v) -> c.addAll(List.of("--setenv", k, v)));
    c.addAll(List.of("--seccomp", "3"));
    c.add("--");
    c.addAll(req.argv());
    return c;
  }
}
