package io.fathom.engine.runtime;

/** Why a sequence stopped generating (OpenAI's {@code finish_reason}, plus cancellation). */
public enum FinishReason {
  /** It generated one of its stop token ids. */
  STOP,
  /** It reached its max tokens, the model's context or the KV cache's capacity. */
  LENGTH,
  /** The client cancelled it. */
  CANCELLED
}
