package io.fathom.engine.runtime;

import io.fathom.engine.cache.BlockManager;
import io.fathom.engine.backend.Backend;
import io.fathom.engine.kv.KvCache;
import io.fathom.engine.model.ModelConfig;
import io.fathom.engine.sampling.SamplingParams;
import java.time.InstantSource;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The engine's front: {@link #submit} a prompt (token ids) with sampling parameters and an optional session
 * id, get a {@link GenerationHandle} that streams the generated ids; {@link #step} runs the loop, one
 * {@link Scheduler} step and one {@link ModelRunner} pass at a time; {@link #release} drops a session's pin.
 * nano-vllm's {@code LLMEngine}, without HTTP or a tokenizer.
 *
 * <p>Threads: {@link #submit}, {@link #release} and {@link GenerationHandle#cancel} may be called from any
 * thread; they only queue a command, which the next {@link #step} applies before it schedules, in the order
 * the commands came. {@link #step} itself runs on one thread (a server's engine loop, or the test), so the
 * schedule is deterministic for a given order of calls. The engine does not own the forward pass or the
 * cache: their owner closes them.
 */
public final class Engine {

  private final ModelConfig model;
  private final BlockManager blocks;
  private final Scheduler scheduler;
  private final ModelRunner runner;
  private final ConcurrentLinkedQueue<Runnable> inbox = new ConcurrentLinkedQueue<>();
  private final AtomicLong ids = new AtomicLong();
  private final Map<GenerationHandle, Sequence> live = new HashMap<>();
  private long steps;

  /**
   * An engine over {@code pass} and all of {@code cache}'s blocks (the pass's cache, with every block free),
   * timing session pins with {@code clock}.
   */
  public Engine(Backend pass, KvCache cache, EngineConfig config, InstantSource clock) {
    this.model = pass.config();
    this.blocks = new BlockManager(cache, config.sessionTtl(), clock);
    this.scheduler =
        new Scheduler(blocks, config.maxTokensPerStep(), config.maxRunningSequences(), model.maxPositionEmbeddings());
    this.runner = new ModelRunner(pass, blocks);
  }

  /** Queues a request without a listener; see {@link #submit(int[], SamplingParams, String, TokenListener)}. */
  public GenerationHandle submit(int[] prompt, SamplingParams params, String session) {
    return submit(prompt, params, session, null);
  }

  /**
   * Queues a request. With a {@code session} id, the request's blocks stay pinned after it finishes, so the
   * session's next request (whose prompt continues this one's prompt and output) finds them cached.
   *
   * @throws IllegalArgumentException for an empty prompt, a token outside the vocabulary or a prompt longer
   *     than the model's context or the cache
   */
  public GenerationHandle submit(int[] prompt, SamplingParams params, String session, TokenListener listener) {
    if (prompt.length == 0) {
      throw new IllegalArgumentException("the prompt is empty");
    }
    for (int i = 0; i < prompt.length; i++) {
      if (prompt[i] < 0 || prompt[i] >= model.vocabSize()) {
        throw new IllegalArgumentException(
            "prompt[" + i + "] = " + prompt[i] + " is outside the vocabulary [0, " + model.vocabSize() + ")");
      }
    }
    if (prompt.length > scheduler.maxSequenceLength()) {
      throw new IllegalArgumentException(
          "a prompt of " + prompt.length + " tokens is longer than the " + scheduler.maxSequenceLength()
              + " the model's context and the KV cache allow");
    }
    long id = ids.incrementAndGet();
    GenerationHandle handle = new GenerationHandle(id, listener, this::requestCancel);
    Sequence sequence = new Sequence(id, prompt.clone(), params, session, blocks.blockSize(), handle);
    inbox.add(
        () -> {
          live.put(handle, sequence);
          scheduler.add(sequence);
        });
    return handle;
  }

  /** Drops {@code session}'s pinned blocks at the next step (they stay cached until evicted). */
  public void release(String session) {
    inbox.add(() -> blocks.release(session));
  }

  /** Whether a request or command is waiting for {@link #step}. */
  public boolean hasWork() {
    return !inbox.isEmpty() || scheduler.hasWork();
  }

  /**
   * Applies queued commands, then schedules and runs one step and hands the sampled tokens to their handles.
   *
   * @return whether anything ran
   */
  public boolean step() {
    for (Runnable command; (command = inbox.poll()) != null; ) {
      command.run();
    }
    if (!scheduler.hasWork()) {
      return false;
    }
    var batch = scheduler.schedule();
    steps++;
    for (ModelRunner.Sample sample : runner.run(batch)) {
      Sequence sequence = sample.sequence();
      FinishReason reason = scheduler.postprocess(sequence, sample.token());
      sequence.handle().emit(sample.token());
      if (reason != null) {
        live.remove(sequence.handle());
        sequence.handle().finish(reason, usage(sequence));
      }
    }
    return !batch.isEmpty();
  }

  /**
   * Steps until no request is left, or until two steps in a row could run nothing (every waiting request
   * needs blocks that session pins hold).
   */
  public void runUntilIdle() {
    int idle = 0;
    while (hasWork() && idle < 2) {
      idle = step() ? 0 : idle + 1;
    }
  }

  public EngineStats stats() {
    return new EngineStats(
        steps, runner.promptTokensComputed(), runner.otherTokensComputed(), scheduler.preemptions(),
        scheduler.runningCount(), scheduler.waitingCount(), blocks.stats());
  }

  private void requestCancel(GenerationHandle handle) {
    inbox.add(
        () -> {
          Sequence sequence = live.remove(handle);
          if (sequence != null && scheduler.cancel(sequence)) {
            handle.finish(FinishReason.CANCELLED, usage(sequence));
          }
        });
  }

  private static Usage usage(Sequence sequence) {
    return new Usage(
        sequence.promptLength(), Math.max(0, sequence.cachedPromptTokens()), sequence.computedPromptTokens(),
        sequence.generated(), sequence.preemptions());
  }
}
