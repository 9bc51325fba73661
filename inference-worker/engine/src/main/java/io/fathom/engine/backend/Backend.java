package io.fathom.engine.backend;

import io.fathom.engine.model.ModelConfig;
import java.util.List;

/**
 * Where the model's forward pass runs: the kernels, the weights in the form they need, and the KV cache
 * memory the sequences' block tables point into. The engine above it (scheduler, block manager, sampling)
 * is the same for every backend. The CPU backend ({@link io.fathom.engine.cpu.CpuForwardPass}, Vector API)
 * is the one every test runs; a CUDA backend (FFM bindings to the driver API and cuBLAS, kernels compiled to
 * PTX) implements the same contract where a GPU exists.
 *
 * <p>The contract: {@link #forward} runs each segment's new tokens at the positions after those already in
 * its block table, appends their keys and values to the table's blocks, advances the table, and returns the
 * logits the segment asked for. A segment's logits depend only on its own sequence, never on the other
 * segments of the batch. One call at a time per block table.
 */
public interface Backend {

  /** The model this backend runs. */
  ModelConfig config();

  /**
   * One step for a batch of sequences; returns one {@link Logits} per segment, in order.
   *
   * @throws IllegalArgumentException for an empty batch or segment, a sequence listed twice, a token outside the
   *     vocabulary, or a sequence that would outgrow the model's context; nothing runs then
   * @throws io.fathom.engine.kv.KvCacheFullException if the cache has no room for the new tokens
   */
  List<Logits> forward(List<Segment> segments);
}
