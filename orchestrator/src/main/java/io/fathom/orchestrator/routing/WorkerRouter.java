package io.fathom.orchestrator.routing;

import io.fathom.orchestrator.config.FathomProperties;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.stereotype.Component;

/**
 * Which model server a job's next request goes to. A job keeps its server while that server is
 * healthy (its KV cache holds the job's prefix there); a job without one, or whose server failed,
 * goes to the healthy server with the fewest requests in flight from this replica. A server that
 * fails a request (a time-out, a refused connection, a 5xx) is avoided for a cool-down, so the jobs
 * on it move to another within the same round and re-prefill there. Health is learnt from the
 * requests themselves (no separate probe); load is this replica's in-flight count per server.
 *
 * <p>Metrics: {@code fathom.routing.assignments} (a job placed on a server: first placements and
 * moves), {@code fathom.routing.moves}, {@code fathom.worker.in_flight} and {@code
 * fathom.worker.healthy} per server, and {@code fathom.prefix.prompt_tokens} / {@code
 * fathom.prefix.cached_tokens} (what the servers report as served from their prefix cache).
 */
@Component
public class WorkerRouter {

  /** A failed server is avoided this long (doubling per consecutive failure, up to a minute). */
  static final Duration COOL_DOWN = Duration.ofSeconds(2);

  private final List<Worker> workers;
  private final Map<String, Worker> byUrl;
  private final Map<UUID, Worker> assignments = new ConcurrentHashMap<>();
  private final LongSupplier clock;
  private final Counter moves;
  private final Counter promptTokens;
  private final Counter cachedTokens;

  private static final class Worker {
    final String url;
    final AtomicInteger inFlight = new AtomicInteger();
    final AtomicInteger failures = new AtomicInteger();
    final AtomicLong avoidUntil = new AtomicLong();
    final Counter assignments;

    Worker(String url, MeterRegistry meters) {
      this.url = url;
      this.assignments = Counter.builder("fathom.routing.assignments").tag("server", url).register(meters);
    }
  }

  @Autowired
  public WorkerRouter(FathomProperties properties, MeterRegistry meters) {
    this(properties.inferenceUrls(), meters, System::nanoTime);
  }

  WorkerRouter(List<String> urls, MeterRegistry meters, LongSupplier clock) {
    this.workers = urls.stream().map(u -> new Worker(u.endsWith("/") ? u.substring(0, u.length() - 1) : u, meters)).toList();
    this.byUrl = workers.stream().collect(java.util.stream.Collectors.toMap(w -> w.url, w -> w, (a, b) -> a));
    this.clock = clock;
    this.moves = Counter.builder("fathom.routing.moves").description("Jobs moved to another server").register(meters);
    this.promptTokens = Counter.builder("fathom.prefix.prompt_tokens").description("Prompt tokens sent").register(meters);
    this.cachedTokens =
        Counter.builder("fathom.prefix.cached_tokens").description("Prompt tokens the server served from its prefix cache").register(meters);
    for (Worker w : workers) {
      Gauge.builder("fathom.worker.in_flight", w.inFlight, AtomicInteger::get).tag("server", w.url).register(meters);
      Gauge.builder("fathom.worker.healthy", w, x -> healthy(x) ? 1 : 0).tag("server", w.url).register(meters);
    }
  }

  public boolean isEmpty() {
    return workers.isEmpty();
  }

  /** The server for {@code job}'s next request (its own while healthy). */
  public String pick(UUID job) {
    Worker current = assignments.get(job);
    if (current != null && healthy(current)) {
      return current.url;
    }
    Worker best = null;
    for (Worker w : workers) {
      if (healthy(w) && (best == null || w.inFlight.get() < best.inFlight.get())) {
        best = w;
      }
    }
    if (best == null) { // every server is cooling down: the one that comes back first
      best = workers.stream().min((a, b) -> Long.compare(a.avoidUntil.get(), b.avoidUntil.get())).orElseThrow();
    }
    if (current != null && current != best) {
      moves.increment();
    }
    assignments.put(job, best);
    best.assignments.increment();
    return best.url;
  }

  /** A request to {@code server} starts. */
  public void started(String server) {
    find(server).ifPresent(w -> w.inFlight.incrementAndGet());
  }

  /** A request to {@code server} ended; {@code failed}: the server failed it (not the request's fault). */
  public void finished(String server, boolean failed) {
    find(server).ifPresent(w -> {
      w.inFlight.decrementAndGet();
      if (failed) {
        int n = Math.min(w.failures.incrementAndGet(), 5);
        long wait = Math.min(COOL_DOWN.toNanos() << (n - 1), Duration.ofMinutes(1).toNanos());
        w.avoidUntil.set(clock.getAsLong() + wait);
      } else {
        w.failures.set(0);
        w.avoidUntil.set(0);
      }
    });
  }

  /** What a server reported of a prompt: its size and how much came from its prefix cache. */
  public void promptServed(long prompt, long cached) {
    promptTokens.increment(prompt);
    cachedTokens.increment(Math.max(0, Math.min(cached, prompt)));
  }

  /** The job ended: forget its server. */
  public void release(UUID job) {
    assignments.remove(job);
  }

  private boolean healthy(Worker w) {
    return clock.getAsLong() - w.avoidUntil.get() >= 0 || w.avoidUntil.get() == 0;
  }

  private Optional<Worker> find(String server) {
    return Optional.ofNullable(byUrl.get(server));
  }
}
