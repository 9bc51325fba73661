package io.fathom.worker.http;

import io.fathom.engine.runtime.FinishReason;
import io.fathom.engine.runtime.Usage;
import io.fathom.engine.sampling.SampledToken;
import io.fathom.engine.sampling.SamplingParams;
import io.fathom.worker.engine.Generation;
import io.fathom.worker.engine.GenerationListener;
import io.fathom.worker.engine.Generator;
import io.fathom.worker.metrics.WorkerMetrics;
import java.util.concurrent.atomic.AtomicBoolean;
import reactor.core.publisher.Flux;
import reactor.core.publisher.FluxSink;
import reactor.core.scheduler.Schedulers;

/**
 * One request in the engine as a stream of {@link Event}s: the engine thread only hands each token to a
 * buffer; the response is built on Reactor's parallel scheduler. Cancelling the subscription (the client went
 * away) cancels the request in the engine; {@link #stop} ends it early while the stream still waits for the
 * final {@link Event.Finished} (for the usage).
 */
final class GenerationRun {

  /** What the engine reports for the request, in order. */
  sealed interface Event {
    record Token(SampledToken token) implements Event {}

    record Finished(FinishReason reason, Usage usage) implements Event {}
  }

  private final Generator generator;
  private final WorkerMetrics metrics;
  private final int[] prompt;
  private final SamplingParams params;
  private final String session;
  private volatile Generation generation;
  private final AtomicBoolean stopRequested = new AtomicBoolean();
  private volatile String finishLabel = "abort";

  GenerationRun(Generator generator, WorkerMetrics metrics, int[] prompt, SamplingParams params, String session) {
    this.generator = generator;
    this.metrics = metrics;
    this.prompt = prompt;
    this.params = params;
    this.session = session;
  }

  /** Sets the finish reason the metrics record (the API's: stop, length, tool_calls). */
  void finishLabel(String label) {
    this.finishLabel = label;
  }

  /** Stops generating (a stop string was found); the stream still ends with {@link Event.Finished}. */
  void stop() {
    if (stopRequested.compareAndSet(false, true)) {
      Generation g = generation;
      if (g != null) {
        g.cancel();
      }
    }
  }

  Flux<Event> events() {
    return Flux.<Event>create(
            sink -> {
              long submitted = System.nanoTime();
              metrics.generationStarted();
              GenerationListener listener =
                  new GenerationListener() {
                    private long last = -1;

                    @Override
                    public void onToken(SampledToken token) {
                      long now = System.nanoTime();
                      if (last < 0) {
                        metrics.firstToken((now - submitted) / 1e9);
                      } else {
                        metrics.interToken((now - last) / 1e9);
                      }
                      last = now;
                      metrics.token();
                      sink.next(new Event.Token(token));
                    }

                    @Override
                    public void onFinish(FinishReason reason, Usage usage) {
                      metrics.generationFinished(
                          reason == FinishReason.CANCELLED && !stopRequested.get() ? "abort" : finishLabel,
                          usage.promptTokens(), usage.cachedPromptTokens(), (System.nanoTime() - submitted) / 1e9);
                      sink.next(new Event.Finished(reason, usage));
                      sink.complete();
                    }

                    @Override
                    public void onError(Throwable error) {
                      metrics.generationFinished("error", prompt.length, 0, (System.nanoTime() - submitted) / 1e9);
                      sink.error(new ApiException(503, null, "the engine failed: " + error.getMessage()));
                    }
                  };
              Generation g;
              try {
                g = generator.submit(prompt, params, session, listener);
              } catch (IllegalArgumentException e) {
                metrics.generationFinished("error", prompt.length, 0, 0);
                sink.error(ApiException.badRequest("prompt", e.getMessage()));
                return;
              } catch (IllegalStateException e) {
                metrics.generationFinished("error", prompt.length, 0, 0);
                sink.error(new ApiException(503, null, e.getMessage()));
                return;
              }
              generation = g;
              if (stopRequested.get()) {
                g.cancel();
              }
              sink.onCancel(g::cancel);
            },
            FluxSink.OverflowStrategy.BUFFER)
        .publishOn(Schedulers.parallel(), 256);
  }
}
