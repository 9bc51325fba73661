package io.fathom.sandbox;

import java.time.Duration;
import java.util.Objects;

/**
 * Resource limits of one sandbox, applied to every execution in it.
 *
 * <p>Where each limit is enforced:
 *
 * <ul>
 *   <li>{@code memoryBytes} — cgroup v1 {@code memory.limit_in_bytes} (and {@code
 *       memory.memsw.limit_in_bytes} when swap accounting exists) of the execution's cgroup; the
 *       kernel's OOM killer kills inside the cgroup only. Also the size of the sandbox's {@code /tmp}
 *       tmpfs (whose pages are charged to the same cgroup).
 *   <li>{@code pids} — cgroup v1 {@code pids.max}: the number of tasks (processes and threads) the
 *       whole execution may hold at once; stops fork bombs.
 *   <li>{@code cpuQuota} — cgroup v1 CFS bandwidth in cores ({@code cpu.cfs_quota_us} over a 100 ms
 *       {@code cpu.cfs_period_us}); {@code 0} means unthrottled.
 *   <li>{@code cpuSeconds} — {@code RLIMIT_CPU} (soft; hard is one second more), per process.
 *   <li>{@code fileSizeBytes} — {@code RLIMIT_FSIZE} for programs, and the largest file the file API
 *       writes or reads.
 *   <li>{@code openFiles} — {@code RLIMIT_NOFILE}.
 *   <li>{@code outputCapBytes} — bytes kept of stdout and of stderr each; the rest is drained and
 *       dropped ({@link ExecResult#truncated()}), and a flood past {@value #FLOOD_FACTOR}× the cap
 *       kills the execution.
 *   <li>{@code wallTimeout} — the longest an execution may run (a request may ask for less); at the
 *       deadline the whole cgroup is frozen and killed.
 * </ul>
 */
public record Limits(
    long memoryBytes,
    int pids,
    double cpuQuota,
    int cpuSeconds,
    long fileSizeBytes,
    int openFiles,
    int outputCapBytes,
    Duration wallTimeout) {

  /** A flood of output past this many times the cap kills the execution. */
  public static final int FLOOD_FACTOR = 16;

  private static final long MIB = 1024L * 1024L;

  public Limits {
    Objects.requireNonNull(wallTimeout, "wallTimeout");
    require(memoryBytes >= 16 * MIB, "memoryBytes", "at least 16 MiB");
    require(pids >= 8, "pids", "at least 8");
    require(cpuQuota >= 0 && cpuQuota <= 1024 && !Double.isNaN(cpuQuota), "cpuQuota", "0 (unthrottled) to 1024 cores");
    require(cpuSeconds >= 1, "cpuSeconds", "at least 1");
    require(fileSizeBytes >= 1024, "fileSizeBytes", "at least 1 KiB");
    require(openFiles >= 16, "openFiles", "at least 16");
    require(outputCapBytes >= 256, "outputCapBytes", "at least 256");
    require(!wallTimeout.isNegative() && wallTimeout.toMillis() >= 100, "wallTimeout", "at least 100 ms");
  }

  /** Defaults for an agent's python/bash tool: 512 MiB, 128 tasks, 1 core, 30 s. */
  public static Limits defaults() {
    return new Limits(512 * MIB, 128, 1.0, 30, 64 * MIB, 256, 64 * 1024, Duration.ofSeconds(30));
  }

  public Limits withMemoryBytes(long v) {
    return new Limits(v, pids, cpuQuota, cpuSeconds, fileSizeBytes, openFiles, outputCapBytes, wallTimeout);
  }

  public Limits withPids(int v) {
    return new Limits(memoryBytes, v, cpuQuota, cpuSeconds, fileSizeBytes, openFiles, outputCapBytes, wallTimeout);
  }

  public Limits withCpuQuota(double v) {
    return new Limits(memoryBytes, pids, v, cpuSeconds, fileSizeBytes, openFiles, outputCapBytes, wallTimeout);
  }

  public Limits withCpuSeconds(int v) {
    return new Limits(memoryBytes, pids, cpuQuota, v, fileSizeBytes, openFiles, outputCapBytes, wallTimeout);
  }

  public Limits withFileSizeBytes(long v) {
    return new Limits(memoryBytes, pids, cpuQuota, cpuSeconds, v, openFiles, outputCapBytes, wallTimeout);
  }

  public Limits withOpenFiles(int v) {
    return new Limits(memoryBytes, pids, cpuQuota, cpuSeconds, fileSizeBytes, v, outputCapBytes, wallTimeout);
  }

  public Limits withOutputCapBytes(int v) {
    return new Limits(memoryBytes, pids, cpuQuota, cpuSeconds, fileSizeBytes, openFiles, v, wallTimeout);
  }

  public Limits withWallTimeout(Duration v) {
    return new Limits(memoryBytes, pids, cpuQuota, cpuSeconds, fileSizeBytes, openFiles, outputCapBytes, v);
  }

  /**
   * Refuses limits above a ceiling (the operator's maximum), naming the first limit that exceeds
   * it.
   *
   * @throws LimitExceededException naming the limit
   */
  public void requireWithin(Limits ceiling) {
    over("memoryBytes", memoryBytes, ceiling.memoryBytes);
    over("pids", pids, ceiling.pids);
    if (ceiling.cpuQuota > 0 && (cpuQuota == 0 || cpuQuota > ceiling.cpuQuota)) {
      throw new LimitExceededException("cpuQuota", (long) Math.ceil(ceiling.cpuQuota),
          "cpuQuota " + cpuQuota + " exceeds the ceiling of " + ceiling.cpuQuota + " cores");
    }
    over("cpuSeconds", cpuSeconds, ceiling.cpuSeconds);
    over("fileSizeBytes", fileSizeBytes, ceiling.fileSizeBytes);
    over("openFiles", openFiles, ceiling.openFiles);
    over("outputCapBytes", outputCapBytes, ceiling.outputCapBytes);
    over("wallTimeoutMs", wallTimeout.toMillis(), ceiling.wallTimeout.toMillis());
  }

  private static void over(String name, long value, long max) {
    if (value > max) {
      throw new LimitExceededException(name, max, name + " " + value + " exceeds the ceiling of " + max);
    }
  }

  private static void require(boolean ok, String name, String rule) {
    if (!ok) {
      throw new IllegalArgumentException("Limits." + name + " must be " + rule);
    }
  }
}
