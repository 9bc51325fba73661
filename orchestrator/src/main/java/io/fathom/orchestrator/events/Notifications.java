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
 * {@code fathom_events} ("jobId:seq", sent by the transaction that stored the event), {@code
 * fathom_cancel} ("jobId") and {@code fathom_jobs} (a job became runnable). Notifications are
 * hints: listeners re-read the store, so a lost or late hint only delays them. After a reconnect
 * every listener is poked once, since hints may have been missed meanwhile.
 */
@Component
public class Notifications implements SmartLifecycle {

  public static final String EVENTS = "fathom_events";
  public static final String CANCEL = "fathom_cancel";
  public static final String JOBS = "fathom_jobs";

  private static final Logger log = LoggerFactory.getLogger(Notifications.class);
  private static final long RESYNC = -1;

  private final Database database;
  private final DatabaseClient db;
  private final ConcurrentHashMap<UUID, Set<FluxSink<Long>>> eventListeners = new ConcurrentHashMap<>();
  private final Sinks.Many<UUID> cancels = Sinks.many().multicast().directBestEffort();
  private final Sinks.Many<Boolean> runnable = Sinks.many().multicast().directBestEffort();
  private volatile Disposable listening;

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

  /** Jobs whose cancellation was requested, on any replica. */
  public Flux<UUID> cancels() {
    return cancels.asFlux();
  }

  /** A job became runnable somewhere (or a reconnect happened). */
  public Flux<Boolean> runnableJobs() {
    return runnable.asFlux();
  }

  public Mono<Void> notifyCancel(UUID jobId) {
    return notify(CANCEL, jobId.toString());
  }

  public Mono<Void> notifyRunnable() {
    return notify(JOBS, "");
  }

  private Mono<Void> notify(String channel, String payload) {
    return db.sql("SELECT pg_notify($1, $2)").bind(0, channel).bind(1, payload).then();
  }

  private Flux<Notification> listen() {
    return Mono.from(database.connectionFactory().create())
        .flatMapMany(
            (PostgresqlConnection conn) ->
                conn.createStatement("LISTEN " + EVENTS + "; LISTEN " + CANCEL + "; LISTEN " + JOBS)
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
          UUID jobId = UUID.fromString(payload.substring(0, colon));
          long seq = Long.parseLong(payload.substring(colon + 1));
          Set<FluxSink<Long>> sinks = eventListeners.get(jobId);
          if (sinks != null) {
            sinks.forEach(s -> s.next(seq));
          }
        }
        case CANCEL -> cancels.tryEmitNext(UUID.fromString(payload));
        case JOBS -> runnable.tryEmitNext(Boolean.TRUE);
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
    listening =
        Flux.defer(this::listen)
            .concatWith(Mono.error(new IllegalStateException("LISTEN connection closed")))
            .doOnError(e -> log.warn("LISTEN connection lost ({}); reconnecting", e.getMessage()))
            .retryWhen(Retry.backoff(Long.MAX_VALUE, Duration.ofMillis(200)).maxBackoff(Duration.ofSeconds(5)))
            .subscribe(this::dispatch);
  }

  @Override
  public void stop() {
    Disposable d = listening;
    if (d != null) {
      d.dispose();
    }
    listening = null;
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
