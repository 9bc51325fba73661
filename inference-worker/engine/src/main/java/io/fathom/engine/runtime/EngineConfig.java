package io.fathom.engine.runtime;

import java.time.Duration;

/**
 * The engine's knobs.
 *
 * @param maxTokensPerStep the token budget of one step, shared by decodes and prefill chunks
 * @param maxRunningSequences the most sequences admitted at once
 * @param sessionTtl how long a finished request's blocks stay pinned for its session's next request
 */
public record EngineConfig(int maxTokensPerStep, int maxRunningSequences, Duration sessionTtl) {

  public EngineConfig {
    if (maxTokensPerStep < 1 || maxRunningSequences < 1 || sessionTtl.isNegative()) {
      throw new IllegalArgumentException(
          "invalid engine config: maxTokensPerStep=" + maxTokensPerStep + " maxRunningSequences="
              + maxRunningSequences + " sessionTtl=" + sessionTtl);
    }
  }

  /** 512 tokens a step, 64 sequences, sessions pinned for 10 minutes. */
  public static EngineConfig defaults() {
    return new EngineConfig(512, 64, Duration.ofMinutes(10));
  }

  public EngineConfig withMaxTokensPerStep(int value) {
    return new EngineConfig(value, maxRunningSequences, sessionTtl);
  }

  public EngineConfig withMaxRunningSequences(int value) {
    return new EngineConfig(maxTokensPerStep, value, sessionTtl);
  }

  public EngineConfig withSessionTtl(Duration value) {
    return new EngineConfig(maxTokensPerStep, maxRunningSequences, value);
  }
}
