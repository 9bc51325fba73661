package io.fathom.engine.cpu;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

/**
 * Splits index ranges over a small fixed set of threads: the calling thread plus {@code threads - 1}
 * workers. Work is cut into a few chunks per thread and taken from a shared counter, so a thread slowed by
 * other load on the machine takes fewer chunks. Small jobs run on the caller alone.
 *
 * <p>A forward pass hands out a few hundred ranges a token, with microseconds of serial work between them,
 * so the hand-off has to be cheap: a worker that finishes a range spins for {@link #SPIN_NANOS} watching for
 * the next one before it parks (waking a parked thread took 50–85 µs on a 2-vCPU VM, against about a
 * microsecond for a spinning one). The caller never waits for a worker that has not started: it takes
 * chunks itself and returns once every chunk has run.
 *
 * <p>One range runs at a time; a caller that finds another range in flight (a second thread, or a task that
 * calls {@code forRange} itself) runs its range alone rather than wait.
 */
public final class ParallelRunner implements AutoCloseable {

  /** A body over the half-open index range {@code [from, to)}. */
  @FunctionalInterface
  public interface RangeTask {
    void run(int from, int to);
  }

  /** Below this much work (items × cost per item, roughly multiply-adds) a range runs on the caller. */
  public static final long DEFAULT_MIN_PARALLEL_WORK = 1 << 15;

  /** How long an idle worker watches for the next range before it parks. */
  static final long SPIN_NANOS = 200_000;

  private static final int CHUNKS_PER_THREAD = 4;

  private final int threads;
  private final long minParallelWork;
  private final Worker[] workers;
  /** Held by the caller whose range is in flight. */
  private final AtomicBoolean dispatching = new AtomicBoolean();
  /** The range in flight or last run; replaced (never mutated) while {@link #dispatching}. */
  private volatile Job job;
  private volatile boolean closed;

  /** One range: its chunks are claimed from {@code next} and counted in {@code done} once run. */
  private record Job(
      long generation,
      int n,
      int chunks,
      RangeTask task,
      AtomicInteger next,
      AtomicInteger done,
      AtomicReference<Throwable> failure) {

    /** Runs chunks until none is left; a chunk after a failure is skipped but still counted. */
    void drain() {
      int c;
      while ((c = next.getAndIncrement()) < chunks) {
        try {
          if (failure.get() == null) {
            task.run((int) ((long) n * c / chunks), (int) ((long) n * (c + 1) / chunks));
          }
        } catch (Throwable t) {
          failure.compareAndSet(null, t);
        } finally {
          done.incrementAndGet();
        }
      }
    }
  }

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
    if (threads < 1) {
      throw new IllegalArgumentException("threads must be at least 1, got " + threads);
    }
    this.minParallelWork = minParallelWork;
    this.threads = threads;
    this.job = new Job(0, 0, 0, (from, to) -> {}, new AtomicInteger(), new AtomicInteger(), new AtomicReference<>());
    this.workers = new Worker[threads - 1];
    for (int i = 0; i < workers.length; i++) {
      workers[i] = new Worker("fathom-cpu-" + (i + 1));
      workers[i].thread.start();
    }
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
    if (workers.length == 0 || closed || chunks == 1 || costPerItem < Math.ceilDiv(minParallelWork, n)
        || !dispatching.compareAndSet(false, true)) {
      task.run(0, n);
      return;
    }
    Job current;
    try {
      current =
          new Job(job.generation() + 1, n, chunks, task, new AtomicInteger(), new AtomicInteger(), new AtomicReference<>());
      job = current;
      for (Worker worker : workers) {
        if (worker.parked) {
          LockSupport.unpark(worker.thread);
        }
      }
      current.drain();
      // Only chunks a worker has claimed are left: wait for them, spinning at first, then yielding the
      // core in case that worker was descheduled in the middle of one.
      long yieldAfter = System.nanoTime() + SPIN_NANOS;
      while (current.done().get() < chunks) {
        if (System.nanoTime() < yieldAfter) {
          Thread.onSpinWait();
        } else {
          Thread.yield();
        }
      }
    } finally {
      dispatching.set(false);
    }
    Throwable t = current.failure().get();
    if (t instanceof RuntimeException e) {
      throw e;
    } else if (t instanceof Error e) {
      throw e;
    } else if (t != null) {
      throw new IllegalStateException(t);
    }
  }

  /** Stops the worker threads; ranges run afterwards run on their caller alone. */
  @Override
  public void close() {
    closed = true;
    for (Worker worker : workers) {
      LockSupport.unpark(worker.thread);
    }
  }

  /** A worker thread: takes chunks of each new range, spins a while after it, then parks until the next. */
  private final class Worker implements Runnable {

    final Thread thread;
    /** Set before the worker parks (then it re-checks for a range), so a new range's caller unparks it. */
    volatile boolean parked;

    Worker(String name) {
      this.thread = new Thread(this, name);
      thread.setDaemon(true);
    }

    @Override
    public void run() {
      long seen = 0;
      while (!closed) {
        Job next = job;
        if (next.generation() != seen) {
          seen = next.generation();
          next.drain();
          continue;
        }
        long spinUntil = System.nanoTime() + SPIN_NANOS;
        while (job.generation() == seen && !closed && System.nanoTime() < spinUntil) {
          Thread.onSpinWait();
        }
        while (job.generation() == seen && !closed) {
          parked = true;
          if (job.generation() == seen && !closed) {
            LockSupport.park(this);
            Thread.interrupted(); // nothing here is interruptible: a stray interrupt must not turn park into a spin
          }
          parked = false;
        }
      }
    }
  }
}
