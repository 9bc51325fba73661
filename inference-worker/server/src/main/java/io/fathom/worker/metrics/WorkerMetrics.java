package io.fathom.worker.metrics;

import io.fathom.engine.cache.CacheStats;
import io.fathom.engine.runtime.EngineStats;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * The worker's Prometheus series, computed here (no metrics library: the worker stays small): latency
 * histograms observed per request, token counters, a tokens-per-second rate over the last
 * {@value #RATE_WINDOW_SECONDS} seconds, and the engine's cache and queue gauges read at scrape time.
 */
public final class WorkerMetrics {

  public static final int RATE_WINDOW_SECONDS = 10;

  private static final double[] LATENCY_BUCKETS = {
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120
  };

  private final Histogram timeToFirstToken = new Histogram(LATENCY_BUCKETS);
  private final Histogram interTokenLatency = new Histogram(LATENCY_BUCKETS);
  private final Histogram requestDuration = new Histogram(LATENCY_BUCKETS);
  private final LongAdder generatedTokens = new LongAdder();
  private final LongAdder promptTokens = new LongAdder();
  private final LongAdder cachedPromptTokens = new LongAdder();
  private final Map<String, LongAdder> finished = new ConcurrentHashMap<>();
  private final Map<String, LongAdder> requests = new ConcurrentHashMap<>();
  private final Map<Integer, LongAdder> errors = new ConcurrentHashMap<>();
  private final AtomicInteger inFlight = new AtomicInteger();
  private final long[] rateSeconds = new long[RATE_WINDOW_SECONDS + 2];
  private final long[] rateCounts = new long[RATE_WINDOW_SECONDS + 2];

  /** A request reached an endpoint. */
  public void request(String endpoint) {
    requests.computeIfAbsent(endpoint, k -> new LongAdder()).increment();
  }

  /** A request was answered with an error status. */
  public void error(int status) {
    errors.computeIfAbsent(status, k -> new LongAdder()).increment();
  }

  public void generationStarted() {
    inFlight.incrementAndGet();
  }

  public void firstToken(double seconds) {
    timeToFirstToken.observe(seconds);
  }

  public void interToken(double seconds) {
    interTokenLatency.observe(seconds);
  }

  public void token() {
    generatedTokens.increment();
    long second = System.nanoTime() / 1_000_000_000L;
    synchronized (rateSeconds) {
      int slot = (int) (second % rateSeconds.length);
      if (rateSeconds[slot] != second) {
        rateSeconds[slot] = second;
        rateCounts[slot] = 0;
      }
      rateCounts[slot]++;
    }
  }

  /** A generation ended (finish reason as in the API: stop, length, tool_calls, abort, error). */
  public void generationFinished(String reason, int prompt, int cached, double seconds) {
    inFlight.decrementAndGet();
    finished.computeIfAbsent(reason, k -> new LongAdder()).increment();
    promptTokens.add(prompt);
    cachedPromptTokens.add(cached);
    requestDuration.observe(seconds);
  }

  /** Generated tokens per second over the last complete {@value #RATE_WINDOW_SECONDS} seconds. */
  public double tokensPerSecond() {
    long now = System.nanoTime() / 1_000_000_000L;
    long total = 0;
    synchronized (rateSeconds) {
      for (int i = 0; i < rateSeconds.length; i++) {
        if (rateSeconds[i] < now && rateSeconds[i] >= now - RATE_WINDOW_SECONDS) {
          total += rateCounts[i];
        }
      }
    }
    return (double) total / RATE_WINDOW_SECONDS;
  }

  /** The Prometheus text exposition (format 0.0.4). */
  public String scrape(EngineStats engine, boolean healthy) {
    StringBuilder out = new StringBuilder(4096);
    timeToFirstToken.write(out, "fathom_worker_time_to_first_token_seconds", "Time from a request's submission to its first generated token.");
    interTokenLatency.write(out, "fathom_worker_inter_token_latency_seconds", "Time between consecutive generated tokens of a request.");
    requestDuration.write(out, "fathom_worker_request_duration_seconds", "Time from a request's submission to its last token.");
    counter(out, "fathom_worker_generated_tokens_total", "Tokens generated.", generatedTokens.sum());
    counter(out, "fathom_worker_prompt_tokens_total", "Prompt tokens of finished requests.", promptTokens.sum());
    counter(out, "fathom_worker_prompt_cached_tokens_total", "Prompt tokens of finished requests found in the prefix cache.", cachedPromptTokens.sum());
    gauge(out, "fathom_worker_generation_tokens_per_second", "Generated tokens per second over the last " + RATE_WINDOW_SECONDS + " seconds.", tokensPerSecond());
    labelled(out, "fathom_worker_requests_total", "Requests by endpoint.", "endpoint", requests);
    labelled(out, "fathom_worker_request_errors_total", "Requests answered with an error, by HTTP status.", "status", errors);
    labelled(out, "fathom_worker_generations_finished_total", "Generations by finish reason.", "reason", finished);
    gauge(out, "fathom_worker_generations_in_flight", "Generations submitted and not finished.", inFlight.get());
    gauge(out, "fathom_worker_queue_depth", "Requests waiting to be admitted by the scheduler.", engine.waiting());
    gauge(out, "fathom_worker_running_sequences", "Sequences admitted and running.", engine.running());
    CacheStats cache = engine.cache();
    gauge(out, "fathom_worker_kv_blocks_total", "KV cache blocks.", cache.totalBlocks());
    gauge(out, "fathom_worker_kv_blocks_used", "KV cache blocks held by sequences or session pins.", cache.usedBlocks());
    gauge(out, "fathom_worker_kv_blocks_evictable", "KV cache blocks cached but unreferenced (evictable).", cache.evictableBlocks());
    gauge(out, "fathom_worker_kv_blocks_free", "KV cache blocks free.", cache.freeBlocks());
    gauge(out, "fathom_worker_pinned_sessions", "Sessions whose blocks are pinned.", cache.pinnedSessions());
    counter(out, "fathom_worker_prefix_cache_lookup_tokens_total", "Prompt tokens looked up in the prefix cache.", cache.lookupTokens());
    counter(out, "fathom_worker_prefix_cache_hit_tokens_total", "Prompt tokens found in the prefix cache.", cache.hitTokens());
    gauge(out, "fathom_worker_prefix_cache_hit_rate", "Fraction of looked-up prompt tokens found in the prefix cache.", cache.hitRate());
    counter(out, "fathom_worker_kv_evictions_total", "KV blocks evicted from the prefix cache.", cache.evictions());
    counter(out, "fathom_worker_engine_steps_total", "Engine steps run.", engine.steps());
    counter(out, "fathom_worker_prefill_tokens_total", "Prompt tokens run through the model.", engine.promptTokensComputed());
    counter(out, "fathom_worker_preemptions_total", "Sequences preempted for memory.", engine.preemptions());
    gauge(out, "fathom_worker_healthy", "1 while the engine serves, 0 after it failed.", healthy ? 1 : 0);
    return out.toString();
  }

  private static void counter(StringBuilder out, String name, String help, double value) {
    header(out, name, help, "counter");
    out.append(name).append(' ').append(format(value)).append('\n');
  }

  private static void gauge(StringBuilder out, String name, String help, double value) {
    header(out, name, help, "gauge");
    out.append(name).append(' ').append(format(value)).append('\n');
  }

  private static <K> void labelled(StringBuilder out, String name, String help, String label, Map<K, LongAdder> values) {
    header(out, name, help, "counter");
    new TreeMap<>(values.entrySet().stream().collect(java.util.stream.Collectors.toMap(e -> String.valueOf(e.getKey()), e -> e.getValue().sum())))
        .forEach((k, v) -> out.append(name).append('{').append(label).append("=\"").append(k).append("\"} ").append(v).append('\n'));
  }

  private static void header(StringBuilder out, String name, String help, String type) {
    out.append("# HELP ").append(name).append(' ').append(help).append('\n');
    out.append("# TYPE ").append(name).append(' ').append(type).append('\n');
  }

  private static String format(double value) {
    return value == Math.rint(value) && Math.abs(value) < 1e15 ? Long.toString((long) value) : Double.toString(value);
  }
}
