package io.fathom.sandbox;

import java.util.Set;

/**
 * What an execution did.
 *
 * @param exitCode the program's exit status; {@code 128 + n} when signal {@code n} killed it (as
 *     bubblewrap reports it), {@code 137} for a kill at the deadline or by the OOM killer
 * @param stdout the first {@link Limits#outputCapBytes()} bytes of stdout (UTF-8, malformed bytes
 *     replaced)
 * @param stderr the same for stderr
 * @param timedOut the wall-clock deadline passed and the process tree was killed
 * @param durationMs wall time from start to the end of the last process
 * @param truncated stdout or stderr passed the cap
 * @param limitsHit every limit the execution ran into
 */
public record ExecResult(
    int exitCode,
    String stdout,
    String stderr,
    boolean timedOut,
    long durationMs,
    boolean truncated,
    Set<LimitKind> limitsHit) {

  public ExecResult {
    limitsHit = Set.copyOf(limitsHit);
  }

  public boolean ok() {
    return exitCode == 0 && !timedOut;
  }
}
