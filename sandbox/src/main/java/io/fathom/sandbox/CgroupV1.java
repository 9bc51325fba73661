package io.fathom.sandbox;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * cgroup v1 plumbing: one cgroup per execution under {@code <root>/<ctrl>/<parent>/<execId>} for
 * the {@code memory}, {@code pids} and {@code cpu} controllers, plus {@code freezer} when mounted.
 * (On this project's machines cgroup v2 carries no controllers, so v1 it is; a v2 backend would
 * be a second implementation of the same three operations: create with limits, kill all, remove.)
 *
 * <p><b>Joining without a race.</b> The execution's first process is a root shell that writes its
 * own pid into every controller's {@code cgroup.procs}, then {@code exec}s {@code prlimit → setpriv
 * → bwrap → program}. Everything the program ever forks is therefore born inside the cgroups; no
 * user code runs before the limits apply.
 *
 * <p><b>Killing the whole tree.</b> {@link ExecCgroup#killAll()} freezes the cgroup ({@code
 * freezer.state=FROZEN}), sends SIGKILL to every pid in {@code cgroup.procs}, thaws, and repeats
 * until the cgroup is empty: a frozen fork bomb cannot fork between the read and the kill. Without
 * the freezer it repeats kill rounds until the group is empty.
 */
final class CgroupV1 {

  private static final Logger log = LoggerFactory.getLogger(CgroupV1.class);

  static final List<String> REQUIRED = List.of("memory", "pids", "cpu");
  static final String FREEZER = "freezer";
  static final long CFS_PERIOD_US = 100_000;

  private final Path root;
  private final String parent;
  private final List<String> controllers;

  CgroupV1(Path root, String parent) {
    this.root = root;
    this.parent = parent;
    List<String> c = new ArrayList<>(REQUIRED);
    if (Files.isDirectory(root.resolve(FREEZER))) {
      c.add(FREEZER);
    }
    this.controllers = List.copyOf(c);
  }

  boolean hasFreezer() {
    return controllers.contains(FREEZER);
  }

  /** Creates the parent groups and removes empty leftovers of a previous run (busy ones stay). */
  void init() throws IOException {
    for (String c : controllers) {
      Path p = root.resolve(c).resolve(parent);
      if (!Files.isDirectory(p)) {
        Files.createDirectory(p);
      }
      try (DirectoryStream<Path> ds = Files.newDirectoryStream(p, Files::isDirectory)) {
        for (Path child : ds) {
          try {
            Files.delete(child);
          } catch (IOException busy) {
            log.debug("cgroup {} still busy; left in place", child);
          }
        }
      }
    }
  }

  ExecCgroup create(String execId, Limits limits) throws IOException {
    if (!execId.matches("[A-Za-z0-9_.-]+")) {
      throw new IllegalArgumentException("bad cgroup name " + execId);
    }
    List<Path> dirs = new ArrayList<>();
    ExecCgroup cg = new ExecCgroup(execId, dirs);
    try {
      for (String c : controllers) {
        Path d = root.resolve(c).resolve(parent).resolve(execId);
        Files.createDirectory(d);
        dirs.add(d);
      }
      Path mem = dir(dirs, "memory");
      write(mem.resolve("memory.limit_in_bytes"), Long.toString(limits.memoryBytes()));
      Path memsw = mem.resolve("memory.memsw.limit_in_bytes");
      if (Files.exists(memsw)) {
        write(memsw, Long.toString(limits.memoryBytes()));
      }
      Path swappiness = mem.resolve("memory.swappiness");
      if (Files.exists(swappiness)) {
        tryWrite(swappiness, "0");
      }
      write(dir(dirs, "pids").resolve("pids.max"), Integer.toString(limits.pids()));
      Path cpu = dir(dirs, "cpu");
      write(cpu.resolve("cpu.cfs_period_us"), Long.toString(CFS_PERIOD_US));
      long quota = limits.cpuQuota() == 0 ? -1 : Math.max(1000, Math.round(limits.cpuQuota() * CFS_PERIOD_US));
      write(cpu.resolve("cpu.cfs_quota_us"), Long.toString(quota));
      return cg;
    } catch (IOException | RuntimeException e) {
      cg.close();
      throw e;
    }
  }

  private Path dir(List<Path> dirs, String controller) {
    Path base = root.resolve(controller);
    return dirs.stream().filter(d -> d.startsWith(base)).findFirst().orElseThrow();
  }

  static void write(Path file, String value) throws IOException {
    Files.writeString(file, value, StandardCharsets.US_ASCII, StandardOpenOption.WRITE);
  }

  private static void tryWrite(Path file, String value) {
    try {
      write(file, value);
    } catch (IOException e) {
      log.debug("cannot write {} to {}: {}", value, file, e.toString());
    }
  }

  /** The cgroups of one execution. {@link #killAll()} may be called from any thread. */
  static final class ExecCgroup implements AutoCloseable {
    private final String id;
    private final List<Path> dirs;
    private final ReentrantLock killLock = new ReentrantLock();
    private volatile boolean removed;

    ExecCgroup(String id, List<Path> dirs) {
      this.id = id;
      this.dirs = dirs;
    }

    String id() {
      return id;
    }

    /** The {@code cgroup.procs} files the execution's first process writes its pid into. */
    List<Path> procsFiles() {
      return dirs.stream().map(d -> d.resolve("cgroup.procs")).toList();
    }

    private Path controller(String name) {
      for (Path d : dirs) {
        if (d.getParent().getParent().getFileName().toString().equals(name)) {
          return d;
        }
      }
      return null;
    }

    Set<Long> pids() {
      Set<Long> pids = new LinkedHashSet<>();
      for (Path d : dirs) {
        try {
          for (String line : Files.readAllLines(d.resolve("cgroup.procs"))) {
            if (!line.isBlank()) {
              pids.add(Long.parseLong(line.strip()));
            }
          }
        } catch (NoSuchFileException gone) {
          // removed
        } catch (IOException e) {
          log.warn("cannot read {}: {}", d, e.toString());
        }
      }
      return pids;
    }

    /** Kills every process of the execution and returns once the cgroup is empty (or after 5 s). */
    void killAll() {
      if (removed) {
        return;
      }
      if (pids().isEmpty()) {
        return; // the usual case after a program exits: nothing to freeze
      }
      killLock.lock();
      try {
        Path freezer = controller(FREEZER);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        for (int round = 0; System.nanoTime() < deadline; round++) {
          if (freezer != null) {
            freeze(freezer, "FROZEN");
          }
          Set<Long> pids = pids();
          for (long pid : pids) {
            ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
          }
          if (freezer != null) {
            freeze(freezer, "THAWED");
          }
          if (pids.isEmpty()) {
            return;
          }
          Thread.sleep(round < 10 ? 2 : 20);
        }
        log.warn("cgroup {} still has processes after 5 s of kill rounds: {}", id, pids());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } finally {
        killLock.unlock();
      }
    }

    private static void freeze(Path freezer, String state) throws InterruptedException {
      try {
        write(freezer.resolve("freezer.state"), state);
        if (state.equals("FROZEN")) {
          for (int i = 0; i < 200; i++) {
            String s = Files.readString(freezer.resolve("freezer.state")).strip();
            if (s.equals("FROZEN")) {
              return;
            }
            Thread.sleep(1);
          }
        }
      } catch (IOException e) {
        log.debug("freezer {} -> {}: {}", freezer, state, e.toString());
      }
    }

    /** The limits the kernel enforced during the execution. */
    Set<LimitKind> limitsHit() {
      Set<LimitKind> hit = EnumSet.noneOf(LimitKind.class);
      Path mem = controller("memory");
      if (mem != null && counter(mem.resolve("memory.oom_control"), "oom_kill") > 0) {
        hit.add(LimitKind.MEMORY);
      }
      Path pids = controller("pids");
      if (pids != null && counter(pids.resolve("pids.events"), "max") > 0) {
        hit.add(LimitKind.PIDS);
      }
      return hit;
    }

    private static long counter(Path file, String key) {
      try {
        for (String line : Files.readAllLines(file)) {
          String[] kv = line.strip().split("\\s+");
          if (kv.length == 2 && kv[0].equals(key)) {
            return Long.parseLong(kv[1]);
          }
        }
      } catch (IOException | NumberFormatException e) {
        log.debug("cannot read {}: {}", file, e.toString());
      }
      return 0;
    }

    /** Kills what is left and removes the groups. */
    @Override
    public void close() {
      if (removed) {
        return;
      }
      killAll();
      removed = true;
      for (Path d : dirs) {
        IOException last = null;
        for (int i = 0; i < 50; i++) {
          try {
            Files.deleteIfExists(d);
            last = null;
            break;
          } catch (IOException e) {
            last = e;
            try {
              Thread.sleep(5);
            } catch (InterruptedException ie) {
              Thread.currentThread().interrupt();
              break;
            }
          }
        }
        if (last != null) {
          log.warn("cannot remove cgroup {}: {}", d, last.toString());
        }
      }
    }
  }
}
