package io.fathom.orchestrator.run;

import io.fathom.orchestrator.config.FathomProperties;
import io.fathom.orchestrator.events.Notifications;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.stereotype.Component;
import reactor.core.Disposable;
import reactor.core.Disposables;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

/**
 * Claims runnable jobs for this replica and runs them. A claim takes queued jobs, and running
 * jobs whose lease expired (their replica died), with {@code FOR UPDATE SKIP LOCKED}, so replicas
 * never take the same job. Leases are renewed by heartbeat; a job whose lease this replica lost
 * is stopped here. Cancel notifications stop the job's run at once.
 */
@Component
public class JobScheduler implements SmartLifecycle {

  private static final Logger log = LoggerFactory.getLogger(JobScheduler.class);
  private static final int CLAIM_BATCH = 64;

  private final DatabaseClient db;
  private final Notifications notifications;
  private final RunContext ctx;
  private final FathomProperties properties;
  private final String instanceId;
  private final Map<UUID, Active> active = new ConcurrentHashMap<>();
  private volatile Disposable.Composite loops;

  /** A job running here: its subscription, the cancel trigger, and when it was claimed. */
  private record Active(Disposable run, Sinks.One<Boolean> cancel, long claimedAtNanos) {}

  public JobScheduler(DatabaseClient db, Notifications notifications, RunContext ctx, FathomProperties properties) {
    this.db = db;
    this.notifications = notifications;
    this.ctx = ctx;
    this.properties = properties;
    String configured = properties.instanceId();
    this.instanceId =
        configured == null || configured.isBlank()
            ? ManagementFactory.getRuntimeMXBean().getName() + "-" + UUID.randomUUID().toString().substring(0, 8)
            : configured;
  }

  public String instanceId() {
    return instanceId;
  }

  /** Jobs running on this replica now. */
  public int activeJobs() {
    return active.size();
  }

  @Override
  public void start() {
    Disposable.Composite c = Disposables.composite();
    c.add(
        Flux.merge(Flux.interval(Duration.ZERO, properties.pollInterval()).map(t -> Boolean.TRUE), notifications.runnableJobs())
            .onBackpressureDrop()
            .concatMap(t -> claimAll().onErrorResume(e -> {
              log.warn("Claiming jobs failed: {}", e.toString());
              return Mono.empty();
            }), 1)
            .subscribe());
    Duration beat = properties.leaseTtl().dividedBy(3);
    c.add(
        Flux.interval(beat, beat)
            .onBackpressureDrop()
            .concatMap(t -> heartbeat().onErrorResume(e -> {
              log.warn("Lease heartbeat failed: {}", e.toString());
              return Mono.empty();
            }), 1)
            .subscribe());
    c.add(notifications.cancels().subscribe(this::cancelLocally));
    loops = c;
    log.info("Job scheduler {} started (lease {} s)", instanceId, properties.leaseTtl().toSeconds());
  }

  private Mono<Void> claimAll() {
    return claim().expand(n -> n == CLAIM_BATCH ? claim() : Mono.empty()).then();
  }

  /** Claims up to one batch; emits how many were claimed. */
  private Mono<Integer> claim() {
    int capacity = Math.min(CLAIM_BATCH, properties.maxActiveJobs() - active.size());
    if (capacity <= 0) {
      return Mono.just(0);
    }
    return db.sql(
            "WITH c AS (SELECT id, status FROM jobs WHERE status = 'queued'"
                + " OR (status = 'running' AND lease_expires_at < clock_timestamp())"
                + " ORDER BY created_at LIMIT $1 FOR UPDATE SKIP LOCKED)"
                + " UPDATE jobs j SET status = 'running', lease_owner = $2,"
                + " lease_expires_at = clock_timestamp() + $3 * interval '1 millisecond',"
                + " started_at = coalesce(j.started_at, clock_timestamp())"
                + " FROM c WHERE j.id = c.id RETURNING j.id, c.status AS previous")
        .bind(0, capacity)
        .bind(1, instanceId)
        .bind(2, properties.leaseTtl().toMillis())
        .map(row -> new Claimed(row.get("id", UUID.class), "running".equals(row.get("previous", String.class))))
        .all()
        .doOnNext(this::launch)
        .count()
        .map(Long::intValue);
  }

  private record Claimed(UUID id, boolean resumed) {}

  private void launch(Claimed claimed) {
    JobRun run = new JobRun(claimed.id(), instanceId, claimed.resumed(), ctx);
    Sinks.One<Boolean> cancel = Sinks.one();
    log.info("Job {} claimed by {}{}", claimed.id(), instanceId, claimed.resumed() ? " (resuming)" : "");
    Mono<Void> execution =
        Mono.firstWithSignal(run.execute(), cancel.asMono().flatMap(x -> run.cancelled()))
            .doFinally(signal -> active.remove(claimed.id()));
    // Registered before subscribing so that a run finishing at once removes its own entry.
    Disposable.Swap handle = Disposables.swap();
    active.put(claimed.id(), new Active(handle, cancel, System.nanoTime()));
    handle.update(execution.subscribe(null, e -> log.error("Job {} run failed", claimed.id(), e)));
  }

  private void cancelLocally(UUID jobId) {
    Active a = active.get(jobId);
    if (a != null) {
      a.cancel().tryEmitValue(Boolean.TRUE);
    }
  }

  /** Renews this replica's leases; stops runs whose lease is gone and runs flagged for cancel. */
  private Mono<Void> heartbeat() {
    long startedAt = System.nanoTime();
    return db.sql(
            "UPDATE jobs SET lease_expires_at = clock_timestamp() + $2 * interval '1 millisecond'"
                + " WHERE lease_owner = $1 AND status = 'running' RETURNING id, cancel_requested")
        .bind(0, instanceId)
        .bind(1, properties.leaseTtl().toMillis())
        .map(row -> Map.entry(row.get("id", UUID.class), row.get("cancel_requested", Boolean.class)))
        .all()
        .collectMap(Map.Entry::getKey, Map.Entry::getValue)
        .doOnNext(
            owned ->
                active.forEach(
                    (id, a) -> {
                      Boolean cancelRequested = owned.get(id);
                      if (cancelRequested == null && a.claimedAtNanos() < startedAt) {
                        log.warn("Job {}: lease lost; stopping its run here", id);
                        a.run().dispose();
                        active.remove(id);
                      } else if (Boolean.TRUE.equals(cancelRequested)) {
                        a.cancel().tryEmitValue(Boolean.TRUE);
                      }
                    }))
        .then();
  }

  @Override
  public void stop() {
    Disposable.Composite c = loops;
    loops = null;
    if (c != null) {
      c.dispose();
    }
    List<Active> running = List.copyOf(active.values());
    running.forEach(a -> a.run().dispose());
    active.clear();
    // Let another replica resume these jobs now rather than after the lease time-out.
    db.sql("UPDATE jobs SET lease_expires_at = clock_timestamp() WHERE lease_owner = $1 AND status = 'running'")
        .bind(0, instanceId)
        .then()
        .onErrorResume(e -> Mono.empty())
        .block(Duration.ofSeconds(5));
    log.info("Job scheduler {} stopped; released {} jobs", instanceId, running.size());
  }

  @Override
  public boolean isRunning() {
    return loops != null;
  }

  /** An API-only replica ({@code FATHOM_RUN_JOBS=false}) serves requests but runs no job. */
  @Override
  public boolean isAutoStartup() {
    return properties.runJobs();
  }

  /** Starts after {@link Notifications} and stops before it. */
  @Override
  public int getPhase() {
    return 10;
  }
}
