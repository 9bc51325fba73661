package io.fathom.engine.cpu;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Splits index ranges over a small fixed set of threads: the calling thread plus {@code threads - 1}
 * workers. Work is cut into a few chunks per thread and taken from a shared counter, so a thread slowed
 * by other load on the machine takes fewer chunks. Small jobs run on the caller alone.
 */
public final class ParallelRunner implements AutoCloseable {

  /** A body over the half-open index range {@code [from, to)}. */
  @FunctionalInterface
  public interface RangeTask {
    void run(int from, int to);
  }

  /** Below this much work (items × cost per item, roughly multiply-adds) a range runs on the caller. */
  public static final long DEFAULT_MIN_PARALLEL_WORK = 1 << 15;

  private static final int CHUNKS_PER_THREAD = 4;

  private final int threads;
  private final long minParallelWork;
  private final ExecutorService workers;

  /** A runner on {@code threads} threads in total (the caller included). */
  public ParallelRunner(int threads) {
    this(threads, DEFAULT_MIN_PARALLEL_WORK);
  }

  /**
   * A runner on {@code threads} threads in total (the caller included) that splits any range of at least
   * {@code minParallelWork} work (0: every range of more than one item).
   */
  public ParallelRunner(int threads, long minParallelWork) {
    if (minParallelWork < 0) {
      throw new IllegalArgumentException("minParallelWork must not be negative, got " + minParallelWork);
    }
    this.minParallelWork = minParallelWork;
    if (threads < 1) {
      throw new IllegalArgumentException("threads must be at least 1, got " + threads);
    }
    this.threads = threads;
    AtomicInteger ids = new AtomicInteger();
    ThreadFactory factory =
        runnable -> {
          Thread t = new Thread(runnable, "fathom-cpu-" + ids.incrementAndGet());
          t.setDaemon(true);
          return t;
        };
    this.workers = threads > 1 ? Executors.newFixedThreadPool(threads - 1, factory) : null;
  }

  public int threads() {
    return threads;
  }

  /**
   * Runs {@code task} over {@code [0, n)}, in parallel when {@code n × costPerItem} is worth it, and
   * returns when all of it has run. The first exception thrown by any chunk is rethrown.
   */
  public void forRange(int n, long costPerItem, RangeTask task) {
    if (n <= 0) {
      return;
    }
    int chunks = (int) Math.min(n, (long) threads * CHUNKS_PER_THREAD);
    if (workers == null || chunks == 1 || (long) n * costPerItem < minParallelWork) {
      task.run(0, n);
      return;
    }
    AtomicInteger nextChunk = new AtomicInteger();
    AtomicReference<Throwable> failure = new AtomicReference<>();
    Runnable drain =
        () -> {
          int c;
          while (failure.get() == null && (c = nextChunk.getAndIncrement()) < chunks) {
            try {
              task.run((int) ((long) n * c / chunks), (int) ((long) n * (c + 1) / chunks));
            } catch (Throwable t) {
              failure.compareAndSet(null, t);
            }
          }
        };
    int helpers = Math.min(threads - 1, chunks - 1);
    CountDownLatch done = new CountDownLatch(helpers);
    for (int i = 0; i < helpers; i++) {
      workers.execute(
          () -> {
            try {
              drain.run();
            } finally {
              done.countDown();
            }
          });
    }
    drain.run();
    boolean interrupted = false;
    while (true) {
      try {
        done.await();
        break;
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
    Throwable t = failure.get();
    if (t instanceof RuntimeException e) {
      throw e;
    } else if (t instanceof Error e) {
      throw e;
    } else if (t != null) {
      throw new IllegalStateException(t);
    }
  }

  /** Stops the worker threads. */
  @Override
  public void close() {
    if (workers != null) {
      workers.shutdownNow();
    }
  }
}
