package io.fathom.sandbox.server;

import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * Where the server's blocking work runs (executions, which wait for the program; file transfers;
 * creating and destroying workspaces): one virtual thread per task, never a Netty event loop, with at
 * most {@code maxConcurrent} tasks in flight. Past that a task is refused at once with a 503 rather
 * than queued without bound. A virtual thread waiting in {@link io.fathom.sandbox.Sandbox#exec} parks
 * without pinning its carrier (see {@link io.fathom.sandbox.Sandbox}).
 */
final class BlockingWork implements AutoCloseable {

  private final ExecutorService executor =
      Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("sandbox-work-", 0).factory());
  private final Scheduler scheduler = Schedulers.fromExecutorService(executor, "sandbox-work");
  private final Semaphore permits;
  private final int maxConcurrent;

  BlockingWork(int maxConcurrent) {
    this.maxConcurrent = maxConcurrent;
    this.permits = new Semaphore(maxConcurrent);
  }

  /** Runs {@code work} on a virtual thread; a 503 {@link Problem} when {@code maxConcurrent} tasks run already. */
  <T> Mono<T> submit(Callable<T> work) {
    return Mono.defer(() -> {
      if (!permits.tryAcquire()) {
        return Mono.error(new Problem(503, null, (long) maxConcurrent,
            "the sandbox server is running " + maxConcurrent + " operations already; retry shortly"));
      }
      return Mono.fromCallable(work).subscribeOn(scheduler).doFinally(signal -> permits.release());
    });
  }

  @Override
  public void close() {
    scheduler.dispose();
    executor.shutdownNow();
  }
}
