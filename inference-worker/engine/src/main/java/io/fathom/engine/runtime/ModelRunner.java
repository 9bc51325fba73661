package io.fathom.engine.runtime;

import io.fathom.engine.cache.BlockManager;
import io.fathom.engine.cpu.CpuForwardPass;
import io.fathom.engine.cpu.Logits;
import io.fathom.engine.cpu.LogitsScope;
import io.fathom.engine.sampling.SampledToken;
import io.fathom.engine.sampling.Sampler;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs one scheduled step through the model: each chunk's tokens through the {@link CpuForwardPass} into
 * its sequence's blocks, the newly filled blocks into the prefix index, and a sample for every sequence
 * whose chunk reached its last token.
 *
 * <p>Decision, for now: the chunks of a step run one after another, each a forward pass of its own (the
 * matmuls are still batched over a chunk's tokens and split over threads). Batching several sequences into
 * one matmul would read the weights once per step instead of once per sequence — the win for decode — and
 * is the next step; the contract stays: a sequence's logits depend only on its own tokens, never on what
 * else is in the batch. A chunk that does not end its sequence skips the output head.
 */
public final class ModelRunner {

  /** A token sampled for a sequence in a step. */
  public record Sample(Sequence sequence, SampledToken token) {}

  private final CpuForwardPass pass;
  private final BlockManager blocks;
  private long promptTokensComputed;
  private long otherTokensComputed;

  public ModelRunner(CpuForwardPass pass, BlockManager blocks) {
    this.pass = pass;
    this.blocks = blocks;
  }

  /** Runs {@code batch}; returns the sampled tokens, in batch order (the scheduler's postprocess appends them). */
  public List<Sample> run(List<ScheduledChunk> batch) {
    List<Sample> samples = new ArrayList<>();
    for (ScheduledChunk chunk : batch) {
      Sequence sequence = chunk.sequence();
      if (chunk.start() != sequence.computed() || sequence.table().capacity() < chunk.start() + chunk.length()) {
        throw new IllegalStateException("chunk " + chunk + " was not scheduled with room in " + sequence);
      }
      boolean last = chunk.samples();
      Logits logits =
          pass.forward(
              sequence.table(),
              sequence.tokens(chunk.start(), chunk.length()),
              last ? LogitsScope.LAST : LogitsScope.NONE);
      blocks.commit(sequence.table(), sequence.tokenBuffer());
      sequence.ran(chunk.start(), chunk.length());
      int prompt = Math.max(0, Math.min(chunk.start() + chunk.length(), sequence.promptLength()) - chunk.start());
      promptTokensComputed += prompt;
      otherTokensComputed += chunk.length() - prompt;
      if (last) {
        SampledToken token =
            Sampler.sample(
                logits.last(), sequence.params(), sequence.tokenBuffer(), sequence.length(), sequence.random());
        samples.add(new Sample(sequence, token));
      }
    }
    return samples;
  }

  /** Prompt tokens run through the model so far (prefill; recomputation after preemption included). */
  public long promptTokensComputed() {
    return promptTokensComputed;
  }

  /** Other tokens run: decodes, and generated tokens recomputed after preemption. */
  public long otherTokensComputed() {
    return otherTokensComputed;
  }
}
