package io.fathom.sandbox;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One sandbox: a workspace directory on the host ({@code <root>/ws/<id>}, bound at {@code
 * /workspace} inside) and its {@link Limits}. Files persist across executions until the sandbox is
 * destroyed.
 *
 * <p><b>Concurrency.</b> Executions and file operations of one sandbox are serialized by a lock,
 * and every process an execution started is dead (its cgroup killed) before the lock is released.
 * So no sandboxed code runs while the file API resolves a path: the symlink checks below cannot be
 * raced. The lock is a {@link ReentrantLock} and waiting in {@link #exec} parks in {@code
 * Process.waitFor} / {@code Thread.join}, so a virtual-thread caller never pins its carrier; the
 * blocking pipe reads run on small platform threads of their own.
 *
 * <p><b>File API.</b> Paths are relative to the workspace, {@code /}-separated. Absolute paths
 * and {@code ..} components are refused. Symbolic links are resolved by the API itself,
 * component by component with NOFOLLOW semantics, the way the sandboxed program would see them:
 * a link may point anywhere inside the workspace (relative, or absolute under {@code /workspace}),
 * and a link whose target leaves it (any other absolute path, or {@code ..} above the workspace) is
 * refused. The final open uses {@code O_NOFOLLOW}. Files of at most {@link Limits#fileSizeBytes()}
 * are written or read; listings hold at most {@value #MAX_LIST_ENTRIES} entries. Only regular files
 * are read (never a FIFO, which would block).
 */
public final class Sandbox {

  private static final Logger log = LoggerFactory.getLogger(Sandbox.class);

  /** Largest directory listing. */
  public static final int MAX_LIST_ENTRIES = 10_000;
  private static final int MAX_SYMLINK_HOPS = 40;
  private static final int DRAIN_CHUNK = 16 * 1024;

  private final String id;
  private final Path workspace;
  private final Limits limits;
  private final Sandboxes owner;
  private final OverlayWorkspace overlay;
  private final ReentrantLock lock = new ReentrantLock();
  private volatile long lastUsedNanos = System.nanoTime();
  private volatile boolean closed;
  private volatile CgroupV1.ExecCgroup running;
  private long execCount;

  Sandbox(String id, Path workspace, Limits limits, Sandboxes owner) {
    this.id = id;
    this.workspace = workspace;
    this.limits = limits;
    this.owner = owner;
    this.overlay = null;
  }

  /** A sandbox whose workspace is the copy-on-write {@code overlay} mounted on {@code workspace}. */
  Sandbox(String id, Path workspace, Limits limits, Sandboxes owner, OverlayWorkspace overlay) {
    this.id = id;
    this.workspace = workspace;
    this.limits = limits;
    this.owner = owner;
    this.overlay = overlay;
  }

  public String id() {
    return id;
  }

  public Limits limits() {
    return limits;
  }

  /** The workspace directory on the host. */
  public Path workspace() {
    return workspace;
  }

  public boolean isDestroyed() {
    return closed;
  }

  /** How long since the last execution or file operation ended. */
  public Duration idleFor() {
    return Duration.ofNanos(System.nanoTime() - lastUsedNanos);
  }

  boolean busy() {
    return lock.isLocked();
  }

  /**
   * Runs one program and waits for it (and every process it started) to end.
   *
   * @throws InterruptedException when the caller is interrupted; the execution is killed first
   * @throws SandboxClosedException when the sandbox is destroyed
   * @throws SandboxUnavailableException when the process chain cannot start
   */
  public ExecResult exec(ExecRequest request) throws InterruptedException {
    lock.lockInterruptibly();
    try {
      ensureOpen();
      Duration timeout = request.timeout() == null || request.timeout().compareTo(limits.wallTimeout()) > 0
          ? limits.wallTimeout() : request.timeout();
      String execId = id + "-" + (++execCount);
      long t0 = System.nanoTime();
      CgroupV1.ExecCgroup cg;
      try {
        cg = owner.cgroups().create(execId, limits);
      } catch (IOException e) {
        throw new SandboxUnavailableException("cannot create the cgroups of " + execId + ": " + e, e);
      }
      running = cg;
      long t1 = System.nanoTime();
      long t2 = t1;
      try {
        if (closed) {
          throw new SandboxClosedException(id);
        }
        ExecResult r = run(request, timeout, cg);
        t2 = System.nanoTime();
        return r;
      } finally {
        running = null;
        cg.close();
        if (log.isDebugEnabled()) {
          long t3 = System.nanoTime();
          log.debug("exec {}: cgroup setup {} us, run {} us, cgroup teardown {} us", execId,
              (t1 - t0) / 1000, (t2 - t1) / 1000, (t3 - t2) / 1000);
        }
      }
    } finally {
      lastUsedNanos = System.nanoTime();
      lock.unlock();
    }
  }

  private ExecResult run(ExecRequest request, Duration timeout, CgroupV1.ExecCgroup cg) throws InterruptedException {
    List<String> cmd = owner.commandLine().build(workspace, cg, limits, request);
    ProcessBuilder pb = new ProcessBuilder(cmd).directory(Path.of("/").toFile());
    pb.environment().clear();
    pb.environment().put("PATH", "/usr/sbin:/usr/bin:/sbin:/bin");
    pb.environment().put("LANG", "C.UTF-8");
    long start = System.nanoTime();
    Process p;
    try {
      p = pb.start();
    } catch (IOException e) {
      throw new SandboxUnavailableException("cannot start " + cmd.getFirst() + ": " + e.getMessage(), e);
    }
    AtomicBoolean flooded = new AtomicBoolean();
    Runnable onFlood = () -> {
      if (flooded.compareAndSet(false, true)) {
        log.debug("sandbox {}: output flood, killing {}", id, cg.id());
        cg.killAll();
      }
    };
    long floodLimit = (long) limits.outputCapBytes() * Limits.FLOOD_FACTOR;
    Drain out = new Drain(p.getInputStream(), limits.outputCapBytes(), floodLimit, onFlood);
    Drain err = new Drain(p.getErrorStream(), limits.outputCapBytes(), floodLimit, onFlood);
    Thread tOut = platform("sandbox-out-" + cg.id(), out);
    Thread tErr = platform("sandbox-err-" + cg.id(), err);
    byte[] stdin = request.stdin().getBytes(StandardCharsets.UTF_8);
    Thread tIn = platform("sandbox-in-" + cg.id(), () -> feed(p.getOutputStream(), stdin));
    boolean timedOut = false;
    try {
      if (!p.waitFor(timeout.toNanos(), TimeUnit.NANOSECONDS)) {
        timedOut = true;
        cg.killAll();
        if (!p.waitFor(5, TimeUnit.SECONDS)) {
          p.destroyForcibly();
          p.waitFor(5, TimeUnit.SECONDS);
        }
      }
    } catch (InterruptedException e) {
      cg.killAll();
      p.destroyForcibly();
      closeQuietly(p);
      throw e;
    }
    long exited = System.nanoTime();
    long durationMs = TimeUnit.NANOSECONDS.toMillis(exited - start);
    cg.killAll(); // background processes that outlived the program
    long killed = System.nanoTime();
    joinOrClose(tOut, p.getInputStream());
    joinOrClose(tErr, p.getErrorStream());
    joinOrClose(tIn, p.getOutputStream());
    log.debug("exec {}: process {} us, kill leftovers {} us, drain {} us", cg.id(), (exited - start) / 1000,
        (killed - exited) / 1000, (System.nanoTime() - killed) / 1000);
    int exit = p.isAlive() ? 137 : p.exitValue();
    String stderr = err.text();
    if (exit == CommandLine.SETUP_FAILED_EXIT && stderr.startsWith(CommandLine.SETUP_FAILED)) {
      throw new SandboxUnavailableException("sandbox " + id + ": " + stderr.strip());
    }
    Set<LimitKind> hit = EnumSet.noneOf(LimitKind.class);
    hit.addAll(cg.limitsHit());
    if (timedOut) {
      hit.add(LimitKind.WALL_TIMEOUT);
    }
    if (out.truncated() || err.truncated()) {
      hit.add(LimitKind.OUTPUT);
    }
    if (exit == 128 + 24) { // SIGXCPU
      hit.add(LimitKind.CPU_TIME);
    }
    if (exit == 128 + 25) { // SIGXFSZ
      hit.add(LimitKind.FILE_SIZE);
    }
    return new ExecResult(exit, out.text(), stderr, timedOut, durationMs,
        out.truncated() || err.truncated(), hit);
  }

  private static Thread platform(String name, Runnable r) {
    return Thread.ofPlatform().daemon().name(name).stackSize(256 * 1024).start(r);
  }

  private static void feed(OutputStream os, byte[] data) {
    try (os) {
      if (data.length > 0) {
        os.write(data);
      }
    } catch (IOException e) {
      // the program exited or closed stdin: not an error
    }
  }

  private static void joinOrClose(Thread t, java.io.Closeable stream) throws InterruptedException {
    t.join(2000);
    if (t.isAlive()) {
      try {
        stream.close();
      } catch (IOException e) {
        // best effort
      }
      t.join(2000);
    }
  }

  private static void closeQuietly(Process p) {
    for (java.io.Closeable c : new java.io.Closeable[] {p.getInputStream(), p.getErrorStream(), p.getOutputStream()}) {
      try {
        c.close();
      } catch (IOException e) {
        // best effort
      }
    }
  }

  /** Reads a stream to its end, keeping the first {@code cap} bytes. */
  private static final class Drain implements Runnable {
    private final InputStream in;
    private final int cap;
    private final long floodLimit;
    private final Runnable onFlood;
    private final ByteArrayOutputStream kept = new ByteArrayOutputStream();
    private long total;

    Drain(InputStream in, int cap, long floodLimit, Runnable onFlood) {
      this.in = in;
      this.cap = cap;
      this.floodLimit = floodLimit;
      this.onFlood = onFlood;
    }

    @Override
    public void run() {
      byte[] buf = new byte[DRAIN_CHUNK];
      try (in) {
        int n;
        while ((n = in.read(buf)) >= 0) {
          synchronized (this) {
            int keep = (int) Math.max(0, Math.min(n, cap - total));
            kept.write(buf, 0, keep);
            total += n;
          }
          if (total > floodLimit) {
            onFlood.run();
          }
        }
      } catch (IOException e) {
        // stream closed after the kill
      }
    }

    synchronized boolean truncated() {
      return total > cap;
    }

    synchronized String text() {
      return kept.toString(StandardCharsets.UTF_8);
    }
  }

  /** Kills a running execution (if any); called by {@link Sandboxes} when destroying. */
  void markDestroyed() {
    closed = true;
    CgroupV1.ExecCgroup cg = running;
    if (cg != null) {
      cg.killAll();
    }
  }

  /** Deletes the workspace once no execution runs (unmounting its overlay first, if it has one). */
  void deleteWorkspace() {
    lock.lock();
    try {
      if (overlay != null) {
        overlay.close();
      }
      deleteTree(workspace);
    } catch (IOException e) {
      log.warn("cannot delete workspace {}: {}", workspace, e.toString());
    } finally {
      lock.unlock();
    }
  }

  static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    try (var walk = Files.walk(dir)) { // walk does not follow links
      for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }

  private void ensureOpen() {
    if (closed) {
      throw new SandboxClosedException(id);
    }
  }

  // ---------------------------------------------------------------- file API

  /**
   * Writes {@code data} to {@code path} (created or replaced), creating missing parent
   * directories. The file belongs to the sandbox user.
   */
  public void write(String path, byte[] data) throws IOException {
    if (data.length > limits.fileSizeBytes()) {
      throw new LimitExceededException("fileSizeBytes", limits.fileSizeBytes(), "cannot write " + data.length
          + " bytes to '" + path + "': the limit is " + limits.fileSizeBytes() + " bytes");
    }
    requireFile(path);
    locked(() -> {
      Path target = resolve(path, true);
      if (target.equals(workspace)) {
        throw new PathRefusedException(path, "is the workspace directory");
      }
      BasicFileAttributes a = attrs(target);
      if (a != null && !a.isRegularFile()) {
        if (a.isDirectory()) {
          throw new IOException("'" + path + "' is a directory");
        }
        throw new PathRefusedException(path, "is not a regular file");
      }
      try (SeekableByteChannel ch = Files.newByteChannel(target, Set.of(StandardOpenOption.WRITE,
          StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING, LinkOption.NOFOLLOW_LINKS))) {
        ByteBuffer bb = ByteBuffer.wrap(data);
        while (bb.hasRemaining()) {
          ch.write(bb);
        }
      }
      owner.chown(target);
      return null;
    });
  }

  /** Reads the regular file at {@code path}. */
  public byte[] read(String path) throws IOException {
    requireFile(path);
    return locked(() -> {
      Path target = resolve(path, false);
      BasicFileAttributes a = attrs(target);
      if (a == null) {
        throw new NoSuchFileException(path);
      }
      if (!a.isRegularFile()) {
        if (a.isDirectory()) {
          throw new IOException("'" + path + "' is a directory");
        }
        throw new PathRefusedException(path, "is not a regular file");
      }
      if (a.size() > limits.fileSizeBytes()) {
        throw new LimitExceededException("fileSizeBytes", limits.fileSizeBytes(), "'" + path + "' has "
            + a.size() + " bytes, more than the limit of " + limits.fileSizeBytes());
      }
      try (SeekableByteChannel ch = Files.newByteChannel(target, Set.of(StandardOpenOption.READ,
          LinkOption.NOFOLLOW_LINKS))) {
        ByteArrayOutputStream out = new ByteArrayOutputStream((int) a.size());
        ByteBuffer bb = ByteBuffer.allocate(64 * 1024);
        while (ch.read(bb) > 0) {
          out.write(bb.array(), 0, bb.position());
          bb.clear();
          if (out.size() > limits.fileSizeBytes()) {
            throw new LimitExceededException("fileSizeBytes", limits.fileSizeBytes(),
                "'" + path + "' grew past the limit of " + limits.fileSizeBytes() + " bytes");
          }
        }
        return out.toByteArray();
      }
    });
  }

  /** Lists the directory at {@code path} ({@code ""} or {@code "."}: the workspace), sorted by name. */
  public List<FileEntry> list(String path) throws IOException {
    return locked(() -> {
      Path dir = resolve(path == null ? "" : path, false);
      BasicFileAttributes a = attrs(dir);
      if (a == null) {
        throw new NoSuchFileException(path);
      }
      if (!a.isDirectory()) {
        throw new NotDirectoryException(path);
      }
      List<FileEntry> entries = new ArrayList<>();
      try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
        for (Path p : ds) {
          if (entries.size() >= MAX_LIST_ENTRIES) {
            throw new LimitExceededException("listEntries", MAX_LIST_ENTRIES,
                "'" + path + "' has more than " + MAX_LIST_ENTRIES + " entries");
          }
          String name = p.getFileName().toString();
          BasicFileAttributes e = attrs(p);
          if (e == null) {
            continue;
          }
          entries.add(e.isSymbolicLink() ? new FileEntry.Symlink(name, Files.readSymbolicLink(p).toString())
              : e.isDirectory() ? new FileEntry.Directory(name)
              : e.isRegularFile() ? new FileEntry.RegularFile(name, e.size())
              : new FileEntry.Other(name));
        }
      }
      entries.sort(Comparator.comparing(FileEntry::name));
      return entries;
    });
  }

  private interface IoAction<T> {
    T run() throws IOException;
  }

  private <T> T locked(IoAction<T> action) throws IOException {
    try {
      lock.lockInterruptibly();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while waiting for sandbox " + id);
    }
    try {
      ensureOpen();
      return action.run();
    } finally {
      lastUsedNanos = System.nanoTime();
      lock.unlock();
    }
  }

  private static void requireFile(String path) {
    if (path == null || path.isBlank()) {
      throw new PathRefusedException(String.valueOf(path), "a file path is required");
    }
  }

  private static BasicFileAttributes attrs(Path p) throws IOException {
    try {
      return Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
    } catch (NoSuchFileException e) {
      return null;
    }
  }

  /** Splits and checks a caller's path: relative, no {@code ..}, no NUL, sane lengths. */
  static List<String> components(String path) {
    if (path.indexOf('\0') >= 0) {
      throw new PathRefusedException(path.replace('\0', '?'), "contains a NUL character");
    }
    if (path.length() > 4096) {
      throw new PathRefusedException(path.substring(0, 64) + "…", "is longer than 4096 characters");
    }
    if (path.startsWith("/")) {
      throw new PathRefusedException(path, "absolute paths are not allowed; give a path relative to the workspace");
    }
    List<String> parts = new ArrayList<>();
    for (String c : path.split("/")) {
      if (c.isEmpty() || c.equals(".")) {
        continue;
      }
      if (c.equals("..")) {
        throw new PathRefusedException(path, "'..' components are not allowed");
      }
      if (c.length() > 255) {
        throw new PathRefusedException(path, "a component is longer than 255 characters");
      }
      parts.add(c);
    }
    return parts;
  }

  /**
   * Resolves {@code path} inside the workspace as the sandboxed program would, without ever
   * following a link out of it. Returns the host path of the final component, which may not
   * exist. With {@code createParents}, missing intermediate directories are created.
   */
  private Path resolve(String path, boolean createParents) throws IOException {
    Deque<String> todo = new ArrayDeque<>(components(path));
    List<String> done = new ArrayList<>();
    int hops = 0;
    while (!todo.isEmpty()) {
      String c = todo.pollFirst();
      if (c.isEmpty() || c.equals(".")) {
        continue;
      }
      if (c.equals("..")) { // only from link targets
        if (done.isEmpty()) {
          throw new PathRefusedException(path, "a symbolic link leads above the workspace");
        }
        done.removeLast();
        continue;
      }
      Path current = hostPath(done).resolve(c);
      boolean last = todo.isEmpty();
      BasicFileAttributes a = attrs(current);
      if (a == null) {
        if (last) {
          done.add(c);
          break;
        }
        if (!createParents) {
          throw new NoSuchFileException(path);
        }
        try {
          Files.createDirectory(current);
          owner.chown(current);
        } catch (FileAlreadyExistsException raced) {
          // cannot happen while we hold the lock; re-examine
          todo.addFirst(c);
          continue;
        }
        done.add(c);
        continue;
      }
      if (a.isSymbolicLink()) {
        if (++hops > MAX_SYMLINK_HOPS) {
          throw new PathRefusedException(path, "too many levels of symbolic links");
        }
        String target = Files.readSymbolicLink(current).toString();
        if (target.startsWith("/")) {
          if (target.equals(CommandLine.WORKSPACE) || target.startsWith(CommandLine.WORKSPACE + "/")) {
            done.clear();
            target = target.substring(CommandLine.WORKSPACE.length());
          } else {
            throw new PathRefusedException(path, "symbolic link '" + String.join("/", done)
                + (done.isEmpty() ? "" : "/") + c + "' points outside the workspace (" + target + ")");
          }
        }
        String[] parts = target.split("/");
        for (int i = parts.length - 1; i >= 0; i--) {
          todo.addFirst(parts[i]);
        }
        continue;
      }
      if (!last && !a.isDirectory()) {
        throw new NotDirectoryException(path);
      }
      done.add(c);
    }
    Path p = hostPath(done);
    if (!p.normalize().startsWith(workspace)) {
      throw new PathRefusedException(path, "resolves outside the workspace");
    }
    return p;
  }

  private Path hostPath(List<String> parts) {
    Path p = workspace;
    for (String s : parts) {
      p = p.resolve(s);
    }
    return p;
  }

  @Override
  public String toString() {
    return "Sandbox[" + id + "]";
  }
}
