package io.fathom.engine.runtime;

import io.fathom.engine.sampling.SampledToken;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Consumer;

/**
 * The client's side of a request: a queue of generated tokens to {@link #poll}, the whole output so far,
 * the end ({@link #finishReason}, {@link #usage}) and {@link #cancel}. Safe to use from any thread; the
 * engine fills it on its stepping thread.
 */
public final class GenerationHandle {

  private final long id;
  private final TokenListener listener;
  private final Consumer<GenerationHandle> canceller;
  private final ConcurrentLinkedQueue<SampledToken> stream = new ConcurrentLinkedQueue<>();
  private final List<SampledToken> output = new ArrayList<>();
  private volatile FinishReason finishReason;
  private volatile Usage usage;

  GenerationHandle(long id, TokenListener listener, Consumer<GenerationHandle> canceller) {
    this.id = id;
    this.listener = listener;
    this.canceller = canceller;
  }

  public long id() {
    return id;
  }

  /** The next generated token not yet polled, or {@code null} if none is there yet. */
  public SampledToken poll() {
    return stream.poll();
  }

  /** Every token generated so far (polled or not). */
  public synchronized List<SampledToken> output() {
    return List.copyOf(output);
  }

  /** The ids of every token generated so far. */
  public synchronized int[] tokens() {
    return output.stream().mapToInt(SampledToken::token).toArray();
  }

  public boolean isFinished() {
    return finishReason != null;
  }

  /** Why it finished, or {@code null} while it runs. */
  public FinishReason finishReason() {
    return finishReason;
  }

  /** Its token accounting, or {@code null} before it finishes. */
  public Usage usage() {
    return usage;
  }

  /** Asks the engine to cancel the request at its next step (nothing happens if it has finished by then). */
  public void cancel() {
    canceller.accept(this);
  }

  void emit(SampledToken token) {
    synchronized (this) {
      output.add(token);
    }
    stream.add(token);
    if (listener != null) {
      listener.onToken(this, token);
    }
  }

  void finish(FinishReason reason, Usage usage) {
    this.usage = usage;
    this.finishReason = reason;
    if (listener != null) {
      listener.onFinish(this, reason);
    }
  }

  @Override
  public String toString() {
    return "GenerationHandle[" + id + (finishReason == null ? "" : ", " + finishReason) + "]";
  }
}
