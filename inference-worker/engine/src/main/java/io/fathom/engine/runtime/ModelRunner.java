package io.fathom.engine.runtime;

import io.fathom.engine.cache.BlockManager;
import io.fathom.engine.backend.Backend;
import io.fathom.engine.backend.Segment;
import io.fathom.engine.backend.Logits;
import io.fathom.engine.backend.LogitsScope;
import io.fathom.engine.sampling.SampledToken;
import io.fathom.engine.sampling.Sampler;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs one scheduled step through the model: all chunks' tokens in one {@link Backend} step (the
 * sequences' rows share every weight multiplication, so a decode step reads the weights once for the whole
 * batch), each into its own sequence's blocks; then the newly filled blocks into the prefix index, and a
 * sample for every sequence whose chunk reached its last token. A sequence's logits depend only on its own
 * tokens, never on what else is in the batch. A chunk that does not end its sequence skips the output head.
 */
public final class ModelRunner {

  /** A token sampled for a sequence in a step. */
  public record Sample(Sequence sequence, SampledToken token) {}

  private final Backend pass;
  private final BlockManager blocks;
  private long promptTokensComputed;
  private long otherTokensComputed;

  public ModelRunner(Backend pass, BlockManager blocks) {
    this.pass = pass;
    this.blocks = blocks;
  }

  /** Runs {@code batch}; returns the sampled tokens, in batch order (the scheduler's postprocess appends them). */
  public List<Sample> run(List<ScheduledChunk> batch) {
    List<Segment> segments = new ArrayList<>(batch.size());
    for (ScheduledChunk chunk : batch) {
      Sequence sequence = chunk.sequence();
      if (chunk.start() != sequence.computed() || sequence.table().capacity() < chunk.start() + chunk.length()) {
        throw new IllegalStateException("chunk " + chunk + " was not scheduled with room in " + sequence);
      }
      segments.add(
          new Segment(
              sequence.table(),
              sequence.tokens(chunk.start(), chunk.length()),
              chunk.samples() ? LogitsScope.LAST : LogitsScope.NONE));
    }
    List<Logits> logits = batch.isEmpty() ? List.of() : pass.forward(segments);
    List<Sample> samples = new ArrayList<>();
    for (int i = 0; i < batch.size(); i++) {
      ScheduledChunk chunk = batch.get(i);
      Sequence sequence = chunk.sequence();
      blocks.commit(sequence.table(), sequence.tokenBuffer());
      sequence.ran(chunk.start(), chunk.length());
      int prompt = Math.max(0, Math.min(chunk.start() + chunk.length(), sequence.promptLength()) - chunk.start());
      promptTokensComputed += prompt;
      otherTokensComputed += chunk.length() - prompt;
      if (chunk.samples()) {
        SampledToken token =
            Sampler.sample(
                logits.get(i).last(), sequence.params(), sequence.tokenBuffer(), sequence.length(), sequence.random());
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
