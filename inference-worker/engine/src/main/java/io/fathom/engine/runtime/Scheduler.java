package io.fathom.engine.runtime;

import io.fathom.engine.cache.BlockManager;
import io.fathom.engine.sampling.SampledToken;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.OptionalInt;

/**
 * Decides, one step at a time, which sequences run and how many of their tokens: continuous batching with
 * chunked prefill, as in vLLM's v1 scheduler and nano-vllm.
 *
 * <p>Each step has a token budget ({@code maxTokensPerStep}, e.g. 512). Running sequences come first, in
 * admission order: decodes (one pending token each) before prefills, so a long prompt cannot stall the
 * tokens of others; prefills take what is left of the budget, in chunks. Then waiting sequences are
 * admitted first come, first served while budget, a free slot among {@code maxRunningSequences} and blocks
 * remain: admission needs blocks for the whole prompt (free or evictable, after the prefix cache's hits), so
 * a prompt once admitted is never stopped for memory mid-prefill. A blocked head of the queue blocks the
 * queue (no overtaking, so no starvation).
 *
 * <p>When a running sequence needs a block (a decode crossing into a new block) and none is left, the most
 * recently admitted sequence not yet scheduled in this step is preempted by recompute — its blocks are
 * released (they stay in the prefix cache until evicted, so the recomputation is often a cache hit) and it
 * goes back to the front of the queue with all its tokens so far; if that is the sequence itself, it waits.
 * No admission happens in a step that preempted. Cancellation frees a sequence's blocks at once.
 *
 * <p>Single-threaded and deterministic: the same calls in the same order give the same schedule.
 */
public final class Scheduler {

  private final BlockManager blocks;
  private final int maxTokensPerStep;
  private final int maxRunningSequences;
  private final int maxSequenceLength;
  private final Deque<Sequence> waiting = new ArrayDeque<>();
  private final List<Sequence> running = new ArrayList<>();
  private long step;
  private long preemptions;

  /**
   * @param maxSequenceLength the longest a sequence may grow (the model's context, at most the cache's
   *     capacity); a sequence that reaches it finishes with {@link FinishReason#LENGTH}
   */
  public Scheduler(BlockManager blocks, int maxTokensPerStep, int maxRunningSequences, int maxSequenceLength) {
    if (maxTokensPerStep < 1 || maxRunningSequences < 1 || maxSequenceLength < 1) {
      throw new IllegalArgumentException(
          "scheduler limits must be positive: maxTokensPerStep=" + maxTokensPerStep + " maxRunningSequences="
              + maxRunningSequences + " maxSequenceLength=" + maxSequenceLength);
    }
    this.blocks = blocks;
    this.maxTokensPerStep = maxTokensPerStep;
    this.maxRunningSequences = maxRunningSequences;
    this.maxSequenceLength = Math.min(maxSequenceLength, blocks.totalBlocks() * blocks.blockSize());
  }

  /** The longest a sequence may grow. */
  public int maxSequenceLength() {
    return maxSequenceLength;
  }

  /** Queues a new sequence. */
  public void add(Sequence sequence) {
    if (sequence.status() != Sequence.Status.WAITING || sequence.computed() != 0) {
      throw new IllegalArgumentException("only a new sequence can be added: " + sequence);
    }
    if (sequence.length() > maxSequenceLength) {
      throw new IllegalArgumentException(
          "a prompt of " + sequence.length() + " tokens does not fit: at most " + maxSequenceLength);
    }
    waiting.addLast(sequence);
  }

  public boolean hasWork() {
    return !waiting.isEmpty() || !running.isEmpty();
  }

  public int runningCount() {
    return running.size();
  }

  public int waitingCount() {
    return waiting.size();
  }

  /** Preemptions since the start. */
  public long preemptions() {
    return preemptions;
  }

  /** The next step's batch (possibly empty: nothing to run, or nothing admissible yet). */
  public List<ScheduledChunk> schedule() {
    blocks.expirePins();
    step++;
    List<ScheduledChunk> batch = new ArrayList<>();
    int budget = maxTokensPerStep;
    boolean preempted = false;
    for (boolean decodes : new boolean[] {true, false}) {
      for (Sequence sequence : List.copyOf(running)) {
        if (budget == 0) {
          break;
        }
        if (sequence.status() != Sequence.Status.RUNNING
            || sequence.scheduledStep == step
            || (sequence.pending() == 1) != decodes) {
          continue;
        }
        int chunk = Math.min(sequence.pending(), budget);
        boolean fits = true;
        while (fits && !blocks.reserve(sequence.table(), sequence.computed() + chunk)) {
          Sequence victim = youngestUnscheduled();
          preempt(victim);
          preempted = true;
          fits = victim != sequence;
        }
        if (fits) {
          batch.add(schedule(sequence, chunk));
          budget -= chunk;
        }
      }
    }
    while (!preempted && budget > 0 && running.size() < maxRunningSequences && !waiting.isEmpty()) {
      Sequence next = waiting.peekFirst();
      OptionalInt cached = blocks.allocate(next.table(), next.tokens(), next.session());
      if (cached.isEmpty()) {
        break;
      }
      waiting.removeFirst();
      next.admitted(cached.getAsInt());
      running.add(next);
      int chunk = Math.min(next.pending(), budget);
      batch.add(schedule(next, chunk));
      budget -= chunk;
    }
    return batch;
  }

  /**
   * Appends a sampled token to {@code sequence} and finishes it if it generated a stop token, reached its
   * max tokens or the maximum length.
   *
   * @return why it finished, or {@code null} if it goes on
   */
  public FinishReason postprocess(Sequence sequence, SampledToken token) {
    sequence.append(token.token());
    FinishReason reason = null;
    if (sequence.params().stopTokenIds().contains(token.token())) {
      reason = FinishReason.STOP;
    } else if (sequence.generated() >= sequence.params().maxTokens() || sequence.length() >= maxSequenceLength) {
      reason = FinishReason.LENGTH;
    }
    if (reason != null) {
      finish(sequence, reason);
    }
    return reason;
  }

  /** Cancels {@code sequence}, freeing its blocks at once. Returns false if it had already finished. */
  public boolean cancel(Sequence sequence) {
    if (sequence.status() == Sequence.Status.FINISHED) {
      return false;
    }
    finish(sequence, FinishReason.CANCELLED);
    return true;
  }

  /**
   * Ends {@code sequence}: a sequence with a session that did not fail pins its blocks for the session's
   * next request; any other releases them (to the prefix cache).
   */
  private void finish(Sequence sequence, FinishReason reason) {
    boolean wasRunning = running.remove(sequence);
    if (!wasRunning) {
      waiting.remove(sequence);
    }
    if (wasRunning && sequence.session() != null && reason != FinishReason.CANCELLED) {
      blocks.pin(sequence.session(), sequence.table(), sequence.tokenBuffer());
    } else {
      blocks.free(sequence.table());
    }
    sequence.finished(reason);
  }

  private ScheduledChunk schedule(Sequence sequence, int chunk) {
    sequence.scheduledStep = step;
    return new ScheduledChunk(sequence, sequence.computed(), chunk);
  }

  private Sequence youngestUnscheduled() {
    for (int i = running.size() - 1; i >= 0; i--) {
      if (running.get(i).scheduledStep != step) {
        return running.get(i);
      }
    }
    throw new IllegalStateException("no sequence to preempt"); // the caller itself is unscheduled
  }

  private void preempt(Sequence victim) {
    running.remove(victim);
    blocks.free(victim.table());
    victim.preempted();
    waiting.addFirst(victim);
    preemptions++;
  }
}
