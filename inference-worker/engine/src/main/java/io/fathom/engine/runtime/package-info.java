/**
 * The serving loop over the CPU forward pass, after nano-vllm's {@code engine/}: a
 * {@link io.fathom.engine.runtime.Sequence} per request, the {@link io.fathom.engine.runtime.Scheduler}
 * (continuous batching, chunked prefill under a per-step token budget, admission by free blocks, preemption
 * by recompute, cancellation), the {@link io.fathom.engine.runtime.ModelRunner} (one step through the model,
 * then sampling) and the {@link io.fathom.engine.runtime.Engine} facade (submit → a
 * {@link io.fathom.engine.runtime.GenerationHandle} streaming token ids, step, release a session). Blocks
 * come from the {@link io.fathom.engine.cache.BlockManager}. Single-threaded and deterministic per step.
 */
package io.fathom.engine.runtime;
