package io.fathom.sandbox;

/** Which limit stopped (or throttled) an execution; reported in {@link ExecResult#limitsHit()}. */
public enum LimitKind {
  /** The wall-clock deadline passed; the whole process tree was killed. */
  WALL_TIMEOUT,
  /** The cgroup's OOM killer killed a process (memory limit). */
  MEMORY,
  /** A fork or thread creation failed because the cgroup's {@code pids.max} was reached. */
  PIDS,
  /** A process was killed by {@code RLIMIT_CPU} ({@code SIGXCPU} or the hard limit's SIGKILL). */
  CPU_TIME,
  /** {@code RLIMIT_FSIZE} was hit ({@code SIGXFSZ}). */
  FILE_SIZE,
  /** Output passed the cap (kept part returned; a flood is killed). */
  OUTPUT
}
