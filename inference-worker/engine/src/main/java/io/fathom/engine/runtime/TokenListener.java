package io.fathom.engine.runtime;

import io.fathom.engine.sampling.SampledToken;

/**
 * Callbacks for one request, called on the engine's stepping thread in order: every token, then the end.
 * They must be quick (they hold up the step) and must not call the engine's {@code step}.
 */
public interface TokenListener {

  void onToken(GenerationHandle handle, SampledToken token);

  default void onFinish(GenerationHandle handle, FinishReason reason) {}
}
