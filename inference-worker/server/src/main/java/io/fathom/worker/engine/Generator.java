package io.fathom.worker.engine;

import io.fathom.engine.runtime.EngineStats;
import io.fathom.engine.sampling.SamplingParams;

/**
 * What the HTTP layer generates with: the {@link EngineLoop} in production; tests may put a scripted
 * generator in front to force the output ids.
 */
public interface Generator extends AutoCloseable {

  /**
   * Queues a request.
   *
   * @param session the session whose pinned prefix the request continues and keeps, or null
   * @throws IllegalArgumentException for a prompt the engine refuses (empty, outside the vocabulary, too long)
   */
  Generation submit(int[] prompt, SamplingParams params, String session, GenerationListener listener);

  /** Drops a session's pinned blocks (they stay in the prefix cache until evicted). */
  void release(String session);

  /** The longest a sequence (prompt and output) may grow: the model's context, at most the KV cache. */
  int maxSequenceLength();

  /** The engine's latest counters (taken after its last step). */
  EngineStats stats();

  /** False once the engine failed and can no longer serve. */
  boolean healthy();

  @Override
  void close();
}
