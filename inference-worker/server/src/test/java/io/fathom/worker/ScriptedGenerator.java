package io.fathom.worker;

import io.fathom.engine.runtime.EngineStats;
import io.fathom.engine.runtime.FinishReason;
import io.fathom.engine.runtime.Usage;
import io.fathom.engine.sampling.SampledToken;
import io.fathom.engine.sampling.SamplingParams;
import io.fathom.worker.engine.Generation;
import io.fathom.worker.engine.GenerationListener;
import io.fathom.worker.engine.Generator;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A generator in front of the engine that, when a script is queued, answers the next request with the
 * script's ids instead of the model's (a random tiny model writes no tool calls), honouring stop ids, max
 * tokens and cancellation like the engine. Requests without a script go to the engine.
 */
final class ScriptedGenerator implements Generator {

  private final Generator engine;
  private final ConcurrentLinkedQueue<int[]> scripts = new ConcurrentLinkedQueue<>();
  private final ExecutorService thread = Executors.newSingleThreadExecutor();

  ScriptedGenerator(Generator engine) {
    this.engine = engine;
  }

  /** The next request generates exactly these ids (until a stop id or its max tokens). */
  void script(int[] ids) {
    scripts.add(ids);
  }

  @Override
  public Generation submit(int[] prompt, SamplingParams params, String session, GenerationListener listener) {
    int[] script = scripts.poll();
    if (script == null) {
      return engine.submit(prompt, params, session, listener);
    }
    AtomicBoolean cancelled = new AtomicBoolean();
    thread.execute(
        () -> {
          int n = 0;
          FinishReason reason = FinishReason.LENGTH;
          for (int id : script) {
            if (cancelled.get()) {
              reason = FinishReason.CANCELLED;
              break;
            }
            listener.onToken(new SampledToken(id, -0.25, List.of()));
            n++;
            if (params.stopTokenIds().contains(id)) {
              reason = FinishReason.STOP;
              break;
            }
            if (n >= params.maxTokens()) {
              break;
            }
            try {
              Thread.sleep(1);
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
              break;
            }
          }
          listener.onFinish(reason, new Usage(prompt.length, 0, prompt.length, n, 0));
        });
    return () -> cancelled.set(true);
  }

  @Override
  public void release(String session) {
    engine.release(session);
  }

  @Override
  public int maxSequenceLength() {
    return engine.maxSequenceLength();
  }

  @Override
  public EngineStats stats() {
    return engine.stats();
  }

  @Override
  public boolean healthy() {
    return engine.healthy();
  }

  @Override
  public void close() {
    thread.shutdownNow();
    engine.close();
  }
}
