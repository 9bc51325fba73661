package io.fathom.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The security suite: every escape or exhaustion attempt named by the sandbox issue, each asserting
 * containment, and each followed by a check that the host is still healthy (a trivial program runs,
 * no process of the sandbox user is left, the execution cgroups are gone).
 */
@SuppressWarnings("try") // the server socket is closed early on purpose, to stop its acceptor
class SandboxSecurityTest {

  private static final String CTYPES = "import ctypes, os\nlibc = ctypes.CDLL(None, use_errno=True)\n";

  static Path root;
  static Sandboxes sandboxes;
  static Sandbox sandbox;

  @BeforeAll
  static void start() throws IOException {
    root = TestSandboxes.newRoot();
    SandboxConfig config = TestSandboxes.config(root);
    TestSandboxes.assumeReady(config);
    sandboxes = new Sandboxes(config);
    sandbox = sandboxes.create(Limits.defaults().withWallTimeout(Duration.ofSeconds(20)));
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

  @AfterEach
  void hostStillHealthy() throws Exception {
    if (sandboxes == null) {
      return;
    }
    assertThat(TestSandboxes.describeProcessesOf(sandboxes.user().uid())).as("processes of the sandbox user").isEmpty();
    for (String c : List.of("memory", "pids", "cpu")) {
      try (var children = Files.list(Path.of("/sys/fs/cgroup", c, "fathom-test"))) {
        assertThat(children.filter(Files::isDirectory).toList()).as("leftover %s cgroups", c).isEmpty();
      }
    }
    ExecResult r = sandbox.exec(ExecRequest.python("print('alive')"));
    assertThat(r.exitCode()).isZero();
    assertThat(r.stdout()).isEqualTo("alive\n");
  }

  private static ExecResult run(Sandbox s, ExecRequest req) throws InterruptedException {
    ExecResult r = s.exec(req);
    System.out.printf("%s -> exit %d, %d ms, timedOut %s, truncated %s, hit %s%n  stdout: %s%n  stderr: %s%n",
        req.argv(), r.exitCode(), r.durationMs(), r.timedOut(), r.truncated(), r.limitsHit(),
        abbreviate(r.stdout()), abbreviate(r.stderr()));
    return r;
  }

  private static ExecResult python(String code) throws InterruptedException {
    return run(sandbox, ExecRequest.python(code));
  }

  private static ExecResult bash(String script) throws InterruptedException {
    return run(sandbox, ExecRequest.bash(script));
  }

  private static String abbreviate(String s) {
    String t = s.replace("\n", "\\n");
    return t.length() > 300 ? t.substring(0, 300) + "…" : t;
  }

  // ------------------------------------------------------------------ baseline

  @Test
  void pythonRunsAsTheUnprivilegedUserWithNoCapabilitiesAndSeccomp() throws Exception {
    ExecResult r = python("""
                import os
                print(os.getuid(), os.getgid(), os.getcwd(), os.environ['HOME'], sorted(os.environ))
                st = dict(l.split(':\\t', 1) for l in open('/proc/self/status').read().splitlines() if ':\\t' in l)
                print(st['CapEff'], st['CapBnd'], st['NoNewPrivs'], st['Seccomp'])
                """);
    assertThat(r.exitCode()).isZero();
    SandboxUser u = sandboxes.user();
    assertThat(r.stdout()).startsWith(u.uid() + " " + u.gid() + " /workspace /workspace ");
    assertThat(r.stdout()).contains("['HOME', 'LANG', 'LOGNAME', 'PATH', 'PWD', 'TMPDIR', 'USER']");
    assertThat(r.stdout()).contains("0000000000000000 0000000000000000 1 2");
    ExecResult fds = python("""
                import os
                print(sorted(int(f) for f in os.listdir('/proc/self/fd') if os.path.exists('/proc/self/fd/' + f) and int(f) > 2
                             and not os.readlink('/proc/self/fd/' + f).startswith('/proc')))
                """);
    assertThat(fds.stdout()).as("no inherited descriptor (the seccomp filter fd is closed by bwrap)").isEqualTo("[]\n");
  }

  @Test
  void stdinAndEnvReachTheProgramAndExitCodesPropagate() throws Exception {
    ExecResult r = run(sandbox, ExecRequest.bash("read x; echo \"$x-$GREETING\"; exit 7")
        .withStdin("hello\n").withEnv(Map.of("GREETING", "world")));
    assertThat(r.exitCode()).isEqualTo(7);
    assertThat(r.stdout()).isEqualTo("hello-world\n");
    assertThatThrownBy(() -> ExecRequest.bash("true").withEnv(Map.of("LD_PRELOAD", "/x.so")))
        .hasMessageContaining("LD_PRELOAD");
    assertThatThrownBy(() -> ExecRequest.bash("true").withEnv(Map.of("PATH", "/x")))
        .hasMessageContaining("reserved");
  }

  @Test
  void filesPersistAcrossExecutionsAndTheFileApi() throws Exception {
    assertThat(bash("mkdir -p d && echo first > d/a.txt").exitCode()).isZero();
    ExecResult r = python("print(open('/workspace/d/a.txt').read().strip())");
    assertThat(r.stdout()).isEqualTo("first\n");
    assertThat(new String(sandbox.read("d/a.txt"), StandardCharsets.UTF_8)).isEqualTo("first\n");
    sandbox.write("d/e/b.txt", "second".getBytes(StandardCharsets.UTF_8));
    r = bash("cat d/e/b.txt && echo more >> d/e/b.txt");
    assertThat(r.stdout()).isEqualTo("second");
    assertThat(r.exitCode()).as("the sandbox user owns files the API wrote").isZero();
    assertThat(sandbox.list("d")).containsExactly(new FileEntry.RegularFile("a.txt", 6), new FileEntry.Directory("e"));
  }

  // ------------------------------------------------------------------ network

  @Test
  void noConnectionToTheHostLoopback() throws Exception {
    AtomicInteger accepted = new AtomicInteger();
    try (ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      int port = server.getLocalPort();
      Thread acceptor = Thread.ofVirtual().start(() -> {
        try {
          while (true) {
            try (Socket s = server.accept()) {
              accepted.incrementAndGet();
            }
          }
        } catch (IOException closed) {
          // test over
        }
      });
      ExecResult r = python("""
                    import socket
                    for fam, addr in ((socket.AF_INET, ('127.0.0.1', %1$d)), (socket.AF_INET6, ('::1', %1$d))):
                        try:
                            s = socket.socket(fam, socket.SOCK_STREAM); s.settimeout(3); s.connect(addr); print('CONNECTED')
                        except OSError as e:
                            print(type(e).__name__, e.errno)
                    """.formatted(port));
      ExecResult viaBash = bash("exec 3<>/dev/tcp/127.0.0.1/" + port + " && echo CONNECTED");
      server.close();
      acceptor.join(2000);
      assertThat(r.stdout()).doesNotContain("CONNECTED").isEqualTo("PermissionError 1\nPermissionError 1\n");
      assertThat(viaBash.exitCode()).isNotZero();
      assertThat(viaBash.stdout()).doesNotContain("CONNECTED");
      assertThat(accepted.get()).as("connections the host accepted").isZero();
    }
  }

  @Test
  void noConnectionToTheInternetAndNoInterfaceButLoopback() throws Exception {
    ExecResult r = python("""
                import socket
                for addr in (('1.1.1.1', 53), ('1.1.1.1', 443)):
                    try:
                        socket.create_connection(addr, timeout=3); print('CONNECTED')
                    except OSError as e:
                        print(type(e).__name__, e.errno)
                for fam, t in ((socket.AF_INET, socket.SOCK_RAW), (socket.AF_NETLINK, socket.SOCK_RAW), (socket.AF_PACKET, socket.SOCK_RAW)):
                    try:
                        socket.socket(fam, t, 0); print('OPENED', fam)
                    except OSError as e:
                        print(type(e).__name__, e.errno)
                a, b = socket.socketpair(socket.AF_UNIX); a.send(b'unix ok'); print(b.recv(10).decode())
                print([l.split(':')[0].strip() for l in open('/proc/net/dev').read().splitlines()[2:]])
                """);
    assertThat(r.exitCode()).isZero();
    assertThat(r.stdout()).doesNotContain("CONNECTED").doesNotContain("OPENED")
        .startsWith("PermissionError 1\nPermissionError 1\nPermissionError 1\nPermissionError 1\nPermissionError 1\n")
        .contains("unix ok")
        .endsWith("['lo']\n");
  }

  // ------------------------------------------------------------------ filesystem

  @Test
  void writesOutsideTheWorkspaceFail() throws Exception {
    ExecResult r = python("""
                for p in ('/etc/fathom-x', '/usr/fathom-x', '/root/fathom-x', '/fathom-x', '/usr/bin/python3', '/proc/sys/kernel/hostname'):
                    try:
                        open(p, 'w').write('x'); print('WROTE', p)
                    except OSError as e:
                        print(type(e).__name__, p)
                """);
    assertThat(r.stdout()).doesNotContain("WROTE");
    assertThat(r.stdout().lines().count()).isEqualTo(6);
    ExecResult sh = bash("touch /etc/x; mkdir /root; echo x > /usr/x; echo rc=$?");
    assertThat(sh.stdout()).isEqualTo("rc=1\n");
    assertThat(sh.stderr()).contains("Read-only file system");
    for (String p : List.of("/etc/fathom-x", "/usr/fathom-x", "/root/fathom-x", "/fathom-x", "/usr/x", "/etc/x")) {
      assertThat(Path.of(p)).doesNotExist();
    }
    ExecResult tmp = bash("echo ok > /tmp/t && cat /tmp/t");
    assertThat(tmp.stdout()).as("/tmp is a private writable tmpfs").isEqualTo("ok\n");
  }

  @Test
  void hostSecretsAreNotVisible(@TempDir Path testDir) throws Exception {
    Path secret = testDir.resolve("secret.txt");
    Files.writeString(secret, "TEST-DIR-SECRET");
    // world-readable, in a world-searchable directory: only the mount namespace can hide it
    Path open = root.getParent().resolve("public");
    Files.createDirectory(open);
    Files.setPosixFilePermissions(open, PosixFilePermissions.fromString("rwxr-xr-x"));
    Path openSecret = open.resolve("secret.txt");
    Files.writeString(openSecret, "WORLD-READABLE-SECRET");
    Files.setPosixFilePermissions(openSecret, PosixFilePermissions.fromString("rw-r--r--"));
    Sandbox other = sandboxes.create();
    other.write("neighbour.txt", "NEIGHBOUR-SECRET".getBytes(StandardCharsets.UTF_8));

    List<String> paths = List.of("/etc/shadow", "/etc/gshadow", "/root/.bashrc", secret.toString(),
        openSecret.toString(), other.workspace().resolve("neighbour.txt").toString(),
        root.resolve("state/seccomp.bpf").toString(), "/proc/1/root/etc/shadow");
    StringBuilder code = new StringBuilder("import os\n");
    for (String p : paths) {
      code.append("try:\n    print('READ', repr(open('").append(p).append("').read()[:40]))\n")
          .append("except OSError as e:\n    print(type(e).__name__, '").append(p).append("')\n");
    }
    code.append("for d in ('/root', '").append(root).append("', '/home', '/var'):\n")
        .append("    try:\n        print('LISTED', d, os.listdir(d))\n    except OSError as e:\n        print(type(e).__name__, d)\n");
    ExecResult r = python(code.toString());
    assertThat(r.stdout()).doesNotContain("SECRET").doesNotContain("READ '").doesNotContain("LISTED");
    assertThat(r.stdout()).contains("FileNotFoundError /etc/shadow", "FileNotFoundError " + secret,
        "FileNotFoundError " + openSecret);
    assertThat(bash("cat /etc/shadow").exitCode()).isNotZero();
    ExecResult procs = bash("ls /proc | grep -E '^[0-9]+$' | wc -l; cat /proc/*/environ | tr '\\0' '\\n' | sort -u");
    assertThat(procs.stdout()).as("only the sandbox's own processes are visible, none with the host's environment")
        .doesNotContain("JAVA_HOME").doesNotContain("HOME=/root").doesNotContain("MAVEN");
    assertThat(Integer.parseInt(procs.stdout().lines().findFirst().orElseThrow())).isLessThanOrEqualTo(6);
    assertThat(bash("cat /etc/passwd").stdout()).contains("sandbox:x:" + sandboxes.user().uid()).doesNotContain("root:x:0:0:root:/root:/bin/bash");
    sandboxes.destroy(other.id());
  }

  @Test
  void fileApiRefusesEscapes() throws Exception {
    assertThat(bash("""
                mkdir -p data && echo inside > data/real.txt
                ln -s /etc/passwd passwd-link
                ln -s /etc etc-link
                ln -s .. up
                ln -s ../../.. way-up
                ln -s data/real.txt in-link
                ln -s /workspace/data/real.txt abs-in-link
                ln -s loop1 loop2; ln -s loop2 loop1
                mkfifo fifo
                """).exitCode()).isZero();
    for (String p : List.of("../x", "/etc/passwd", "data/../../x", "passwd-link", "etc-link/passwd",
        "up/state/seccomp.bpf", "way-up/etc/passwd", "loop1", "fifo")) {
      assertThatThrownBy(() -> sandbox.read(p)).as(p).isInstanceOf(PathRefusedException.class);
    }
    assertThatThrownBy(() -> sandbox.write("etc-link/evil", new byte[] {1})).isInstanceOf(PathRefusedException.class);
    assertThatThrownBy(() -> sandbox.write("passwd-link", new byte[] {1})).isInstanceOf(PathRefusedException.class);
    assertThatThrownBy(() -> sandbox.write("/tmp/evil", new byte[] {1})).isInstanceOf(PathRefusedException.class);
    assertThatThrownBy(() -> sandbox.list("etc-link")).isInstanceOf(PathRefusedException.class);
    assertThatThrownBy(() -> sandbox.list("..")).isInstanceOf(PathRefusedException.class);
    assertThat(Path.of("/etc/evil")).doesNotExist();
    assertThat(Files.readString(Path.of("/etc/passwd"))).doesNotContain("\u0001");
    // links that stay inside the workspace work, relative or absolute under /workspace
    assertThat(new String(sandbox.read("in-link"), StandardCharsets.UTF_8)).isEqualTo("inside\n");
    assertThat(new String(sandbox.read("abs-in-link"), StandardCharsets.UTF_8)).isEqualTo("inside\n");
    assertThat(sandbox.list("")).contains(new FileEntry.Symlink("passwd-link", "/etc/passwd"));
    assertThatThrownBy(() -> sandbox.write("big", new byte[(int) sandbox.limits().fileSizeBytes() + 1]))
        .isInstanceOf(LimitExceededException.class).hasMessageContaining("limit")
        .extracting(e -> ((LimitExceededException) e).limit()).isEqualTo("fileSizeBytes");
    // inside the sandbox the link resolves to the sandbox's own synthesized /etc/passwd
    assertThat(bash("cat passwd-link").stdout()).startsWith("root:x:0:0:root:/root:/usr/sbin/nologin\nsandbox:x:");
    bash("rm -rf ./* && ls -A");
  }

  // ------------------------------------------------------------------ resources

  @Test
  void forkBombIsStoppedByPidsMaxAndTheCallReturnsByTheDeadline() throws Exception {
    Sandbox s = sandboxes.create(Limits.defaults().withPids(64).withWallTimeout(Duration.ofSeconds(4)));
    long t0 = System.nanoTime();
    ExecResult r = run(s, ExecRequest.bash(":(){ :|:& };:; sleep 60"));
    long ms = (System.nanoTime() - t0) / 1_000_000;
    assertThat(r.limitsHit()).contains(LimitKind.PIDS);
    assertThat(ms).as("returned within the deadline plus slack").isLessThan(4000 + 5000);
    ExecResult py = run(s, ExecRequest.python("""
                import os
                n = 0
                try:
                    while True:
                        if os.fork() == 0:
                            import time; time.sleep(30); os._exit(0)
                        n += 1
                except OSError as e:
                    print('fork failed after', n, type(e).__name__)
                """).withTimeout(Duration.ofSeconds(4)));
    assertThat(py.stdout()).startsWith("fork failed after").contains("BlockingIOError");
    assertThat(py.limitsHit()).contains(LimitKind.PIDS);
    sandboxes.destroy(s.id());
  }

  @Test
  void memoryBombIsKilledByTheMemoryLimit() throws Exception {
    Sandbox s = sandboxes.create(Limits.defaults().withMemoryBytes(128L << 20).withWallTimeout(Duration.ofSeconds(15)));
    ExecResult r = run(s, ExecRequest.python("""
                chunks = []
                for i in range(64):
                    chunks.append(b'x' * (64 << 20))
                    print(i, flush=True)
                print('ALLOCATED 4 GiB')
                """));
    assertThat(r.stdout()).doesNotContain("ALLOCATED");
    assertThat(r.exitCode()).isEqualTo(137);
    assertThat(r.timedOut()).isFalse();
    assertThat(r.limitsHit()).contains(LimitKind.MEMORY);
    sandboxes.destroy(s.id());
  }

  @Test
  void cpuSpinIsKilledAtTheDeadlineWithItsWholeProcessTree() throws Exception {
    Sandbox s = sandboxes.create(Limits.defaults().withWallTimeout(Duration.ofSeconds(2)));
    long t0 = System.nanoTime();
    ExecResult r = run(s, ExecRequest.bash(
        "sleep 1000 & setsid sleep 1000 & nohup python3 -c 'while True: pass' >/dev/null 2>&1 & while :; do :; done"));
    long ms = (System.nanoTime() - t0) / 1_000_000;
    assertThat(r.timedOut()).isTrue();
    assertThat(r.limitsHit()).contains(LimitKind.WALL_TIMEOUT);
    assertThat(r.exitCode()).isEqualTo(137);
    assertThat(ms).isBetween(1900L, 7000L);
    assertThat(TestSandboxes.describeProcessesOf(sandboxes.user().uid())).as("no process of the sandbox user left").isEmpty();
    // a request can ask for less than the sandbox limit, never more
    ExecResult shorter = run(s, ExecRequest.bash("sleep 30").withTimeout(Duration.ofMillis(500)));
    assertThat(shorter.timedOut()).isTrue();
    assertThat(shorter.durationMs()).isLessThan(1900);
    sandboxes.destroy(s.id());
  }

  @Test
  void backgroundProcessesDoNotOutliveTheirExecution() throws Exception {
    ExecResult r = bash("(sleep 1000 &) ; setsid sleep 1000 & echo started");
    assertThat(r.stdout()).isEqualTo("started\n");
    assertThat(r.timedOut()).isFalse();
    assertThat(TestSandboxes.describeProcessesOf(sandboxes.user().uid())).isEmpty();
  }

  @Test
  void cpuTimeRlimitKillsASpinner() throws Exception {
    Sandbox s = sandboxes.create(Limits.defaults().withCpuSeconds(1).withWallTimeout(Duration.ofSeconds(15)));
    ExecResult r = run(s, ExecRequest.of("python3", "-c", "while True: pass"));
    assertThat(r.timedOut()).isFalse();
    assertThat(r.limitsHit()).contains(LimitKind.CPU_TIME);
    assertThat(r.durationMs()).isLessThan(8000);
    sandboxes.destroy(s.id());
  }

  @Test
  void fileSizeRlimitStopsLargeWrites() throws Exception {
    Sandbox s = sandboxes.create(Limits.defaults().withFileSizeBytes(1 << 20));
    ExecResult r = run(s, ExecRequest.of("head", "-c", "600000", "/dev/zero").withTimeout(Duration.ofSeconds(10)));
    assertThat(r.exitCode()).isZero(); // stdout is a pipe: RLIMIT_FSIZE does not apply, the cap does
    ExecResult f = run(s, ExecRequest.bash("head -c 4000000 /dev/zero > big"));
    assertThat(f.exitCode()).isEqualTo(128 + 25);
    assertThat(f.limitsHit()).contains(LimitKind.FILE_SIZE);
    ExecResult py = run(s, ExecRequest.python("open('big', 'wb').write(b'x' * (4 << 20))"));
    assertThat(py.exitCode()).as("python ignores SIGXFSZ and gets EFBIG").isEqualTo(1);
    assertThat(py.stderr()).contains("File too large");
    assertThat(Files.size(s.workspace().resolve("big"))).isLessThanOrEqualTo(1 << 20);
    sandboxes.destroy(s.id());
  }

  @Test
  void outputFloodIsTruncatedAtTheCap() throws Exception {
    Sandbox s = sandboxes.create(Limits.defaults().withOutputCapBytes(4096).withWallTimeout(Duration.ofSeconds(15)));
    ExecResult r = run(s, ExecRequest.of("yes", "flood"));
    assertThat(r.truncated()).isTrue();
    assertThat(r.stdout()).hasSize(4096).startsWith("flood\nflood\n");
    assertThat(r.limitsHit()).contains(LimitKind.OUTPUT);
    assertThat(r.timedOut()).as("a flood is killed long before the deadline").isFalse();
    assertThat(r.durationMs()).isLessThan(5000);
    ExecResult small = run(s, ExecRequest.bash("head -c 10000 /dev/zero | tr '\\0' e; echo done >&2"));
    assertThat(small.truncated()).isTrue();
    assertThat(small.exitCode()).as("a modest overflow is drained, not killed").isZero();
    assertThat(small.stderr()).isEqualTo("done\n");
    sandboxes.destroy(s.id());
  }

  // ------------------------------------------------------------------ kernel interfaces

  @Test
  void ptraceIsDenied() throws Exception {
    ExecResult r = python(CTYPES + """
                print('traceme', libc.ptrace(0, 0, 0, 0), ctypes.get_errno())
                pid = os.fork()
                if pid == 0:
                    import time; time.sleep(5); os._exit(0)
                print('attach', libc.ptrace(16, pid, 0, 0), ctypes.get_errno())
                os.kill(pid, 9)
                """);
    assertThat(r.stdout()).isEqualTo("traceme -1 1\nattach -1 1\n");
    ExecResult strace = bash("strace -f true");
    assertThat(strace.exitCode()).isNotZero();
    assertThat(strace.stderr()).contains("Operation not permitted");
  }

  @Test
  void mountIsDenied() throws Exception {
    ExecResult r = python(CTYPES + """
                print('mount', libc.mount(b'none', b'/tmp', b'tmpfs', 0, None), ctypes.get_errno())
                print('umount', libc.umount2(b'/workspace', 2), ctypes.get_errno())
                print('chroot', libc.chroot(b'/tmp'), ctypes.get_errno())
                """);
    assertThat(r.stdout()).isEqualTo("mount -1 1\numount -1 1\nchroot -1 1\n");
    ExecResult sh = bash("mount -t tmpfs none /tmp");
    assertThat(sh.exitCode()).isNotZero();
  }

  @Test
  void namespaceCreationIsDenied() throws Exception {
    ExecResult r = python(CTYPES + """
                for name, flag in (('user', 0x10000000), ('net', 0x40000000), ('mnt', 0x20000), ('pid', 0x20000000)):
                    print('unshare', name, libc.unshare(flag), ctypes.get_errno())
                    rc = libc.syscall(56, flag | 17, 0, 0, 0, 0)  # clone(flags|SIGCHLD)
                    if rc == 0:
                        os._exit(0)
                    print('clone', name, rc, ctypes.get_errno())
                print('setns', libc.setns(0, 0), ctypes.get_errno())
                print('clone3', libc.syscall(435, 0, 0), ctypes.get_errno())
                print('fork still works', os.waitpid(os.fork() or os._exit(0), 0)[1] if False else 'yes')
                """);
    assertThat(r.stdout()).contains("unshare user -1 1", "clone user -1 1", "unshare net -1 1", "clone net -1 1",
        "unshare mnt -1 1", "clone mnt -1 1", "clone pid -1 1", "setns -1 1", "clone3 -1 38");
    ExecResult sh = bash("unshare -r true");
    assertThat(sh.exitCode()).isNotZero();
    ExecResult threads = python("""
                import threading, subprocess
                t = threading.Thread(target=lambda: None); t.start(); t.join()
                print(subprocess.run(['echo', 'child ok'], capture_output=True, text=True).stdout.strip())
                """);
    assertThat(threads.stdout()).as("ordinary clone (threads, fork) still works").isEqualTo("child ok\n");
  }

  @Test
  void otherKernelInterfacesAreDenied() throws Exception {
    ExecResult r = python(CTYPES + """
                for name, nr in (('bpf', 321), ('keyctl', 250), ('add_key', 248), ('perf_event_open', 298),
                                 ('userfaultfd', 323), ('io_uring_setup', 425), ('init_module', 175),
                                 ('kexec_load', 246), ('pivot_root', 155), ('swapon', 167), ('reboot', 169)):
                    print(name, libc.syscall(nr, 0, 0, 0, 0, 0), ctypes.get_errno())
                """);
    assertThat(r.stdout().lines().toList()).hasSize(11).allSatisfy(l -> assertThat(l).endsWith(" -1 1"));
  }
}
