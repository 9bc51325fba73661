package io.fathom.engine.cpu;

import java.util.Arrays;
import java.util.EnumMap;
import java.util.Map;

/**
 * Wall-clock time a {@link CpuForwardPass} spent in each phase of its passes, for benchmarks: hand one to
 * {@link CpuForwardPass#profile(PhaseTimes)} and read it after the passes. Not thread-safe: one pass at a time.
 */
public final class PhaseTimes {

  /** The phases of a forward pass. */
  public enum Phase {
    /** Embedding, RMSNorms, SwiGLU, residual adds. */
    ELEMENTWISE,
    /** The q, k and v projections. */
    QKV,
    /** RoPE and the cache writes. */
    ROPE_AND_CACHE,
    ATTENTION,
    /** The o projection. */
    OUT,
    GATE_UP,
    DOWN,
    /** Final norm and output head. */
    HEAD
  }

  private final long[] nanos = new long[Phase.values().length];
  private long mark;

  void start() {
    mark = System.nanoTime();
  }

  /** Charges the time since the last mark to {@code phase}. */
  void lap(Phase phase) {
    long now = System.nanoTime();
    nanos[phase.ordinal()] += now - mark;
    mark = now;
  }

  public long nanos(Phase phase) {
    return nanos[phase.ordinal()];
  }

  public Map<Phase, Long> all() {
    Map<Phase, Long> all = new EnumMap<>(Phase.class);
    for (Phase p : Phase.values()) {
      all.put(p, nanos[p.ordinal()]);
    }
    return all;
  }

  public void reset() {
    Arrays.fill(nanos, 0);
  }
}
