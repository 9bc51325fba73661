package io.fathom.worker.engine;

import io.fathom.engine.cpu.CpuForwardPass;
import io.fathom.engine.cpu.WeightFormat;
import io.fathom.engine.cpu.ParallelRunner;
import io.fathom.engine.kv.KvCache;
import io.fathom.engine.kv.KvDtype;
import io.fathom.engine.kv.KvLayout;
import io.fathom.engine.load.Checkpoint;
import io.fathom.engine.runtime.Engine;
import io.fathom.engine.runtime.EngineConfig;
import io.fathom.engine.runtime.EngineStats;
import io.fathom.engine.runtime.FinishReason;
import io.fathom.engine.runtime.GenerationHandle;
import io.fathom.engine.runtime.TokenListener;
import io.fathom.engine.sampling.SampledToken;
import io.fathom.engine.sampling.SamplingParams;
import java.time.Duration;
import java.time.InstantSource;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The {@link Engine} on its own thread: the thread steps while there is work and parks when there is none;
 * {@link #submit}, {@link #release} and cancellation may come from any thread (the engine queues them) and
 * wake it. Tokens reach each request's {@link GenerationListener} on the engine thread.
 *
 * <p>Pins: a waiting request that cannot be admitted because session pins hold the blocks it needs would
 * otherwise wait for their TTL. After {@link #STUCK_AFTER} without progress the loop releases the least
 * recently used session it knows of, one at a time, until the request runs.
 */
public final class EngineLoop implements Generator {

  /** How long a waiting request may make no progress before pinned sessions are released for it. */
  public static final Duration STUCK_AFTER = Duration.ofMillis(250);

  private static final Logger LOG = Logger.getLogger(EngineLoop.class.getName());

  private final ParallelRunner parallel;
  private final KvCache cache;
  private final Engine engine;
  private final int maxSequenceLength;
  private final Duration sessionTtl;
  private final Thread thread;
  private final Map<Forwarder, GenerationListener> live = new ConcurrentHashMap<>();
  /** Sessions by last use, least recent first; touched only by the engine thread. */
  private final LinkedHashMap<String, Long> sessions = new LinkedHashMap<>(16, 0.75f, true);
  private volatile EngineStats stats;
  private volatile boolean running = true;
  private volatile Throwable failure;

  /**
   * @param threads threads of the forward pass (the engine thread included)
   * @param kvDtype how the cache stores keys and values
   * @param cacheTokens tokens the KV cache holds (rounded up to whole blocks)
   * @param format the weights as stored, or quantized to int8 at load
   */
  public EngineLoop(
      Checkpoint checkpoint, EngineConfig config, int threads, int blockSize, KvDtype kvDtype, long cacheTokens,
      WeightFormat format) {
    this.parallel = new ParallelRunner(threads);
    KvLayout layout = KvLayout.of(checkpoint.config(), blockSize, kvDtype);
    this.cache = new KvCache(layout, layout.blocksFor(cacheTokens));
    CpuForwardPass pass = new CpuForwardPass(checkpoint.config(), checkpoint.weights(), cache, parallel, format);
    this.engine = new Engine(pass, cache, config, InstantSource.system());
    this.maxSequenceLength =
        (int) Math.min(checkpoint.config().maxPositionEmbeddings(), (long) cache.blockCount() * blockSize);
    this.sessionTtl = config.sessionTtl();
    this.stats = engine.stats();
    this.thread = Thread.ofPlatform().name("fathom-engine").daemon(true).unstarted(this::run);
    thread.start();
  }

  @Override
  public Generation submit(int[] prompt, SamplingParams params, String session, GenerationListener listener) {
    if (!running || failure != null) {
      throw new IllegalStateException("the engine is not running" + (failure == null ? "" : ": " + failure));
    }
    Forwarder forwarder = new Forwarder(listener, session);
    live.put(forwarder, listener);
    GenerationHandle handle;
    try {
      handle = engine.submit(prompt, params, session, forwarder);
    } catch (RuntimeException e) {
      live.remove(forwarder);
      throw e;
    }
    LockSupport.unpark(thread);
    return () -> {
      handle.cancel();
      LockSupport.unpark(thread);
    };
  }

  @Override
  public void release(String session) {
    engine.release(session);
    LockSupport.unpark(thread);
  }

  @Override
  public int maxSequenceLength() {
    return maxSequenceLength;
  }

  @Override
  public EngineStats stats() {
    return stats;
  }

  @Override
  public boolean healthy() {
    return running && failure == null;
  }

  private void run() {
    long stuckSince = -1;
    while (running) {
      boolean ran;
      try {
        ran = engine.step();
        stats = engine.stats();
      } catch (Throwable t) {
        fail(t);
        return;
      }
      if (ran) {
        stuckSince = -1;
        continue;
      }
      if (engine.hasWork()) {
        long now = System.nanoTime();
        if (stuckSince < 0) {
          stuckSince = now;
        } else if (now - stuckSince > STUCK_AFTER.toNanos()) {
          releaseLeastRecentSession();
          stuckSince = now;
        }
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(2));
      } else {
        stuckSince = -1;
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(200));
      }
    }
  }

  private void releaseLeastRecentSession() {
    long expired = System.nanoTime() - sessionTtl.toNanos();
    sessions.values().removeIf(lastUse -> lastUse < expired);
    Iterator<String> oldest = sessions.keySet().iterator();
    if (oldest.hasNext()) {
      String session = oldest.next();
      oldest.remove();
      LOG.info(() -> "releasing the pin of session " + session + ": a waiting request needs its blocks");
      engine.release(session);
    }
  }

  private void fail(Throwable t) {
    failure = t;
    LOG.log(Level.SEVERE, "the engine failed; the worker stops serving", t);
    for (GenerationListener listener : live.values()) {
      try {
        listener.onError(t);
      } catch (RuntimeException e) {
        LOG.log(Level.WARNING, "a listener failed", e);
      }
    }
    live.clear();
  }

  @Override
  public void close() {
    running = false;
    LockSupport.unpark(thread);
    try {
      thread.join(10_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    for (GenerationListener listener : live.values()) {
      listener.onError(new IllegalStateException("the worker is shutting down"));
    }
    live.clear();
    if (!thread.isAlive()) {
      cache.close();
      parallel.close();
    }
  }

  /** Forwards the engine's callbacks; runs on the engine thread. */
  private final class Forwarder implements TokenListener {
    private final GenerationListener listener;
    private final String session;

    Forwarder(GenerationListener listener, String session) {
      this.listener = listener;
      this.session = session;
    }

    @Override
    public void onToken(GenerationHandle handle, SampledToken token) {
      try {
        listener.onToken(token);
      } catch (RuntimeException e) {
        LOG.log(Level.WARNING, "a token listener failed; cancelling its request", e);
        handle.cancel();
      }
    }

    @Override
    public void onFinish(GenerationHandle handle, FinishReason reason) {
      live.remove(this);
      if (session != null) {
        if (reason == FinishReason.CANCELLED) {
          sessions.remove(session);
        } else {
          sessions.put(session, System.nanoTime());
        }
      }
      try {
        listener.onFinish(reason, handle.usage());
      } catch (RuntimeException e) {
        LOG.log(Level.WARNING, "a finish listener failed", e);
      }
    }
  }
}
