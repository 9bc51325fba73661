package io.fathom.orchestrator.events;

import io.fathom.orchestrator.store.Database;
import io.r2dbc.postgresql.api.Notification;
import io.r2dbc.postgresql.api.PostgresqlConnection;
import java.time.Duration;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArraySet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.stereotype.Component;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.FluxSink;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.util.retry.Retry;

/**
 * PostgreSQL LISTEN/NOTIFY between replicas. One dedicated connection listens on three channels:
 * {@code fathom_events} ("jobId:seq" after events were stored), {@code fathom_cancel} ("jobId")
 * and {@code fathom_jobs} (a job became runnable). Notifications are hints: listeners re-read the
 * store, so a lost or late hint only delays them. After a reconnect every listener is poked once,
 * since hints may have been missed meanwhile.
 *
 * <p>Event hints are sent after the commit, batched (one NOTIFY statement per few milliseconds),
 * not inside the data transaction: PostgreSQL serialises every committing transaction that
 * notifies (a database-wide lock held through the commit's WAL flush), which would cap the whole
 * cluster at one commit per flush. Listeners on this replica are told at once.
 */
@Component
public class Notifications implements SmartLifecycle {

  public static final String EVENTS = "fathom_events";
  public static final String CANCEL = "fathom_cancel";
  public static final String JOBS = "fathom_jobs";
  public static final String DELTAS = "fathom_deltas";
  /** NOTIFY payloads are limited to 8000 bytes; a delta's JSON is kept under this. */
  public static final int MAX_DELTA_BYTES = 7000;

  private static final Logger log = LoggerFactory.getLogger(Notifications.class);
  private static final long RESYNC = -1;

  private final Database database;
  private final DatabaseClient db;
  private final ConcurrentHashMap<UUID, Set<FluxSink<Long>>> eventListeners = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<UUID, Set<FluxSink<String>>> deltaListeners = new ConcurrentHashMap<>();
  /** Tells this replica's own delta notifications apart (they were delivered here already). */
  private final String origin = UUID.randomUUID().toString().substring(0, 8);
  private final Sinks.Many<UUID> cancels = Sinks.many().multicast().directBestEffort();
  private final Sinks.Many<Boolean> runnable = Sinks.many().multicast().directBestEffort();
  private final Sinks.Many<String[]> outgoing = Sinks.many().unicast().onBackpressureBuffer();
  private volatile Disposable listening;
  private volatile Disposable sending;

  public Notifications(Database database, DatabaseClient db) {
    this.database = database;
    this.db = db;
  }

  /**
   * Hints that events of {@code jobId} were stored: the newest seq, or -1 when unknown (after a
   * reconnect). Only the latest hint is kept for a slow subscriber.
   */
  public Flux<Long> eventHints(UUID jobId) {
    return Flux.create(
        sink -> {
          eventListeners.compute(
              jobId,
              (id, set) -> {
                Set<FluxSink<Long>> s = set == null ? new CopyOnWriteArraySet<>() : set;
                s.add(sink);
                return s;
              });
          sink.onDispose(
              () ->
                  eventListeners.computeIfPresent(
                      jobId,
                      (id, set) -> {
                        set.remove(sink);
                        return set.isEmpty() ? null : set;
                      }));
        },
        FluxSink.OverflowStrategy.LATEST);
  }

  /**
   * The live {@code model.delta} payloads of {@code jobId} (JSON), from whichever replica runs it.
   * Best effort and not stored: a slow subscriber loses the oldest.
   */
  public Flux<String> deltas(UUID jobId) {
    return Flux.<String>create(
            sink -> {
              deltaListeners.compute(
                  jobId,
                  (id, set) -> {
                    Set<FluxSink<String>> s = set == null ? new CopyOnWriteArraySet<>() : set;
                    s.add(sink);
                    return s;
                  });
              sink.onDispose(
                  () ->
                      deltaListeners.computeIfPresent(
                          jobId,
                          (id, set) -> {
                            set.remove(sink);
                            return set.isEmpty() ? null : set;
                          }));
            },
            FluxSink.OverflowStrategy.BUFFER)
        .onBackpressureBuffer(256, dropped -> {}, reactor.core.publisher.BufferOverflowStrategy.DROP_OLDEST);
  }

  /** Publishes a {@code model.delta} payload (JSON, at most {@link #MAX_DELTA_BYTES}) here and elsewhere. */
  public void publishDelta(UUID jobId, String json) {
    deliverDelta(jobId, json);
    // An oversized payload would fail the whole NOTIFY batch (event hints included): such a delta
    // stays on this replica (deltas are best effort; model.completed has everything).
    if (json.getBytes(java.nio.charset.StandardCharsets.UTF_8).length <= MAX_DELTA_BYTES) {
      emit(new String[] {DELTAS, origin + ":" + jobId + ":" + json});
    }
  }

  private void deliverDelta(UUID jobId, String json) {
    Set<FluxSink<String>> sinks = deltaListeners.get(jobId);
    if (sinks != null) {
      sinks.forEach(s -> s.next(json));
    }
  }

  /** Jobs whose cancellation was requested, on any replica. */
  public Flux<UUID> cancels() {
    return cancels.asFlux();
  }

  /** A job became runnable somewhere (or a reconnect happened). */
  public Flux<Boolean> runnableJobs() {
    return runnable.asFlux();
  }

  public Mono<Void> notifyCancel(UUID jobId) {
    return db.sql("SELECT pg_notify($1, $2)").bind(0, CANCEL).bind(1, jobId.toString()).then();
  }

  /** Events up to {@code seq} of {@code jobId} were committed: tell listeners here and elsewhere. */
  public void published(UUID jobId, long seq) {
    deliver(jobId, seq);
    emit(new String[] {EVENTS, jobId + ":" + seq});
  }

  /** A job became runnable: wake the schedulers here and elsewhere. */
  public void runnable() {
    runnable.tryEmitNext(Boolean.TRUE);
    emit(new String[] {JOBS, ""});
  }

  private synchronized void emit(String[] notification) {
    outgoing.tryEmitNext(notification);
  }

  /** Sends a batch of notifications in one statement (duplicates within it dropped). */
  private Mono<Void> send(java.util.List<String[]> batch) {
    java.util.LinkedHashMap<String, String[]> unique = new java.util.LinkedHashMap<>();
    for (String[] n : batch) {
      unique.put(n[0] + "\u0000" + n[1], n);
    }
    String[] channels = unique.values().stream().map(n -> n[0]).toArray(String[]::new);
    String[] payloads = unique.values().stream().map(n -> n[1]).toArray(String[]::new);
    return db.sql("SELECT count(pg_notify(c, p)) FROM unnest($1::text[], $2::text[]) AS x(c, p)")
        .bind(0, channels)
        .bind(1, payloads)
        .then()
        .onErrorResume(e -> {
          log.warn("Sending {} notifications failed: {}", channels.length, e.toString());
          return Mono.empty();
        });
  }

  private void deliver(UUID jobId, long seq) {
    Set<FluxSink<Long>> sinks = eventListeners.get(jobId);
    if (sinks != null) {
      sinks.forEach(s -> s.next(seq));
    }
  }

  private Flux<Notification> listen() {
    return Mono.from(database.connectionFactory().create())
        .flatMapMany(
            (PostgresqlConnection conn) ->
                conn.createStatement("LISTEN " + EVENTS + "; LISTEN " + CANCEL + "; LISTEN " + JOBS + "; LISTEN " + DELTAS)
                    .execute()
                    .flatMap(result -> result.getRowsUpdated())
                    .then(Mono.fromRunnable(this::resync))
                    .thenMany(conn.getNotifications())
                    .doFinally(signal -> Mono.from(conn.close()).subscribe()));
  }

  private void dispatch(Notification n) {
    String payload = n.getParameter() == null ? "" : n.getParameter();
    try {
      switch (n.getName()) {
        case EVENTS -> {
          int colon = payload.indexOf(':');
          deliver(UUID.fromString(payload.substring(0, colon)), Long.parseLong(payload.substring(colon + 1)));
        }
        case CANCEL -> cancels.tryEmitNext(UUID.fromString(payload));
        case JOBS -> runnable.tryEmitNext(Boolean.TRUE);
        case DELTAS -> {
          int first = payload.indexOf(':');
          int second = payload.indexOf(':', first + 1);
          if (!payload.substring(0, first).equals(origin)) {
            deliverDelta(UUID.fromString(payload.substring(first + 1, second)), payload.substring(second + 1));
          }
        }
        default -> log.debug("Ignoring notification on {}", n.getName());
      }
    } catch (RuntimeException e) {
      log.warn("Ignoring malformed notification on {}: '{}'", n.getName(), payload);
    }
  }

  private void resync() {
    eventListeners.values().forEach(set -> set.forEach(s -> s.next(RESYNC)));
    runnable.tryEmitNext(Boolean.TRUE);
  }

  @Override
  public void start() {
    sending =
        outgoing
            .asFlux()
            .bufferTimeout(1024, Duration.ofMillis(2), true)
            .concatMap(this::send, 1)
            .subscribe();
    listening =
        Flux.defer(this::listen)
            .concatWith(Mono.error(new IllegalStateException("LISTEN connection closed")))
            .doOnError(e -> log.warn("LISTEN connection lost ({}); reconnecting", e.getMessage()))
            .retryWhen(Retry.backoff(Long.MAX_VALUE, Duration.ofMillis(200)).maxBackoff(Duration.ofSeconds(5)))
            .subscribe(this::dispatch);
  }

  @Override
  public void stop() {
    for (Disposable d : new Disposable[] {listening, sending}) {
      if (d != null) {
        d.dispose();
      }
    }
    listening = null;
    sending = null;
  }

  @Override
  public boolean isRunning() {
    return listening != null && !listening.isDisposed();
  }

  /** Starts before the job scheduler (which listens to it) and stops after it. */
  @Override
  public int getPhase() {
    return 0;
  }
}
