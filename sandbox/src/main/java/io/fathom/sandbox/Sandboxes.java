package io.fathom.sandbox;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The registry of live sandboxes, embedded in the service (the REST sandbox server will wrap the
 * same object).
 *
 * <p>Construction checks the machine ({@link SandboxSetup}; a missing item fails with the fix
 * command), builds the seccomp filter once with libseccomp ({@link SeccompPolicy}), writes it to
 * {@code <root>/state/seccomp.bpf} (0600, opened by the root wrapper of each execution), writes
 * the synthesized {@code /etc} files, and creates the cgroup v1 parents (removing empty leftovers
 * of an earlier run). A daemon thread destroys sandboxes idle for longer than {@link
 * SandboxConfig#idleTimeout()} (a sandbox running a program is never idle).
 *
 * <p>Sandbox ids are 96 random bits in hex. {@link #close()} destroys every sandbox.
 */
public final class Sandboxes implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(Sandboxes.class);
  private static final SecureRandom RANDOM = new SecureRandom();

  private final SandboxConfig config;
  private final SandboxUser user;
  private final Path workspaces;
  private final CgroupV1 cgroups;
  private final CommandLine commandLine;
  private final UserPrincipal ownerUser;
  private final GroupPrincipal ownerGroup;
  private final OverlayWorkspaces overlays;
  private final Map<String, Sandbox> live = new ConcurrentHashMap<>();
  private final ScheduledExecutorService reaper;
  private volatile boolean closed;

  /**
   * @throws SandboxUnavailableException listing what is missing (see {@link SandboxSetup})
   */
  public Sandboxes(SandboxConfig config) {
    this.config = config;
    try {
      Files.createDirectories(config.root());
      Files.setPosixFilePermissions(config.root(), PosixFilePermissions.fromString("rwx--x--x"));
    } catch (IOException e) {
      throw new SandboxUnavailableException("cannot create the sandbox root " + config.root() + ": " + e, e);
    }
    SandboxSetup.Report report = SandboxSetup.check(config);
    if (!report.ready()) {
      throw new SandboxUnavailableException("sandboxes cannot run on this machine:\n" + report.describe());
    }
    this.user = SandboxUser.lookup(config.userName()).orElseThrow();
    try {
      UserPrincipalLookupService names = config.root().getFileSystem().getUserPrincipalLookupService();
      this.ownerUser = names.lookupPrincipalByName(user.name());
      this.ownerGroup = names.lookupPrincipalByGroupName(groupName(user));
      this.workspaces = mkdir(config.root().resolve("ws"), "rwx--x--x");
      Path state = mkdir(config.root().resolve("state"), "rwx--x--x");
      Path etc = mkdir(state.resolve("etc"), "rwxr-xr-x");
      for (var e : CommandLine.etcFiles(user).entrySet()) {
        writeFile(etc.resolve(e.getKey()), e.getValue().getBytes(StandardCharsets.UTF_8), "rw-r--r--");
      }
      byte[] bpf = SeccompPolicy.compile(SeccompLibrary.load(), SeccompPolicy.standard());
      Path filter = state.resolve("seccomp.bpf");
      writeFile(filter, bpf, "rw-------");
      this.cgroups = new CgroupV1(config.cgroupRoot(), config.cgroupParent());
      cgroups.init();
      this.commandLine = new CommandLine(config, user, filter, etc);
      this.overlays = new OverlayWorkspaces(config.root().resolve("overlay"), workspaces, this);
      log.info("sandboxes ready: root {}, user {} ({}), seccomp filter {} instructions, cgroups {}/*/{}",
          config.root(), user.name(), user.uid(), bpf.length / 8, config.cgroupRoot(), config.cgroupParent());
    } catch (IOException e) {
      throw new SandboxUnavailableException("cannot prepare " + config.root() + ": " + e, e);
    }
    this.reaper = Executors.newSingleThreadScheduledExecutor(
        r -> Thread.ofPlatform().daemon().name("sandbox-idle-reaper").unstarted(r));
    if (!config.idleTimeout().isZero()) {
      long every = Math.max(1000, Math.min(config.idleTimeout().toMillis() / 4, 60_000));
      reaper.scheduleWithFixedDelay(this::reap, every, every, TimeUnit.MILLISECONDS);
    }
  }

  private static String groupName(SandboxUser user) throws IOException {
    for (String line : Files.readAllLines(Path.of("/etc/group"))) {
      String[] f = line.split(":", -1);
      if (f.length >= 3 && f[2].equals(Integer.toString(user.gid()))) {
        return f[0];
      }
    }
    throw new IOException("no group with gid " + user.gid() + " in /etc/group");
  }

  private static Path mkdir(Path dir, String perms) throws IOException {
    try {
      Files.createDirectory(dir);
    } catch (FileAlreadyExistsException e) {
      if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
        throw new IOException(dir + " exists and is not a directory");
      }
    }
    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString(perms));
    return dir;
  }

  private static void writeFile(Path file, byte[] data, String perms) throws IOException {
    Files.deleteIfExists(file);
    Files.write(file, data, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS);
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString(perms));
  }

  public SandboxConfig config() {
    return config;
  }

  /** The host account programs run as. */
  public SandboxUser user() {
    return user;
  }

  /** A sandbox with the configured default limits. */
  public Sandbox create() {
    return create(config.defaultLimits());
  }

  /**
   * A new sandbox with an empty workspace.
   *
   * @throws LimitExceededException when {@code limits} exceed the configured ceiling
   */
  public Sandbox create(Limits limits) {
    String id = newWorkspace(limits);
    Path ws = workspaces.resolve(id);
    Sandbox s = new Sandbox(id, ws, limits, this);
    live.put(id, s);
    log.debug("sandbox {} created: {}", id, limits);
    return s;
  }

  /**
   * Checks that the registry is open and {@code limits} within the ceiling, then creates an empty workspace
   * directory under a new random id, owned by the sandbox user, and returns the id.
   */
  private String newWorkspace(Limits limits) {
    if (closed) {
      throw new SandboxUnavailableException("the sandbox registry is closed");
    }
    limits.requireWithin(config.ceiling());
    byte[] raw = new byte[12];
    RANDOM.nextBytes(raw);
    String id = HexFormat.of().formatHex(raw);
    Path ws = workspaces.resolve(id);
    try {
      Files.createDirectory(ws, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
      chown(ws);
    } catch (IOException e) {
      throw new SandboxUnavailableException("cannot create workspace " + ws + ": " + e, e);
    }
    return id;
  }

  /** A sandbox with the configured default limits over {@code repository}; see {@link #create(Limits, Path)}. */
  public Sandbox create(Path repository) {
    return create(config.defaultLimits(), repository);
  }

  /**
   * A new sandbox whose workspace starts as the contents of the host directory {@code repository}
   * and whose writes stay private to it: an overlayfs ({@link OverlayWorkspace}) over a read-only,
   * sandbox-user-owned snapshot of the repository taken once per repository ({@link
   * OverlayWorkspaces}). Neither the repository nor other sandboxes over it ever see the changes.
   * Destroying the sandbox (or its expiry, or {@link #close()}) unmounts the overlay and deletes
   * its changes.
   *
   * @throws LimitExceededException when {@code limits} exceed the configured ceiling
   * @throws SandboxUnavailableException when the repository is missing, not a directory or
   *     unreadable, or the snapshot or the mount fails (the message says which)
   */
  public Sandbox create(Limits limits, Path repository) {
    String id = newWorkspace(limits);
    Path ws = workspaces.resolve(id);
    OverlayWorkspace overlay;
    try {
      overlay = overlays.mount(id, repository, ws);
    } catch (RuntimeException e) {
      try {
        Files.deleteIfExists(ws);
      } catch (IOException cleanup) {
        e.addSuppressed(cleanup);
      }
      throw e;
    }
    Sandbox s = new Sandbox(id, ws, limits, this, overlay);
    live.put(id, s);
    log.debug("sandbox {} created over {}: {}", id, repository, limits);
    return s;
  }

  public Optional<Sandbox> get(String id) {
    return Optional.ofNullable(live.get(id));
  }

  public List<Sandbox> list() {
    return List.copyOf(live.values());
  }

  /** Destroys a sandbox: kills its running program, deletes its workspace. False if unknown. */
  public boolean destroy(String id) {
    Sandbox s = live.remove(id);
    if (s == null) {
      return false;
    }
    s.markDestroyed();
    s.deleteWorkspace();
    log.debug("sandbox {} destroyed", id);
    return true;
  }

  /** Destroys sandboxes idle for longer than {@code idle}; returns how many. */
  public int expireIdle(Duration idle) {
    int n = 0;
    for (Sandbox s : live.values()) {
      if (!s.busy() && s.idleFor().compareTo(idle) > 0 && destroy(s.id())) {
        n++;
      }
    }
    return n;
  }

  private void reap() {
    try {
      int n = expireIdle(config.idleTimeout());
      if (n > 0) {
        log.info("destroyed {} idle sandbox(es)", n);
      }
    } catch (RuntimeException e) {
      log.warn("idle sandbox reaper failed", e);
    }
  }

  CgroupV1 cgroups() {
    return cgroups;
  }

  CommandLine commandLine() {
    return commandLine;
  }

  void chown(Path p) throws IOException {
    PosixFileAttributeView v = Files.getFileAttributeView(p, PosixFileAttributeView.class, LinkOption.NOFOLLOW_LINKS);
    v.setOwner(ownerUser);
    v.setGroup(ownerGroup);
  }

  @Override
  public void close() {
    closed = true;
    reaper.shutdownNow();
    for (String id : List.copyOf(live.keySet())) {
      destroy(id);
    }
  }
}
