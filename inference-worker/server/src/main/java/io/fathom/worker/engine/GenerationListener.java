package io.fathom.worker.engine;

import io.fathom.engine.runtime.FinishReason;
import io.fathom.engine.runtime.Usage;
import io.fathom.engine.sampling.SampledToken;

/**
 * A request's tokens and its end, called in order from one thread (the engine's): must be quick and must not
 * block. {@link #onError} replaces {@link #onFinish} when the engine failed.
 */
public interface GenerationListener {

  void onToken(SampledToken token);

  void onFinish(FinishReason reason, Usage usage);

  void onError(Throwable error);
}
