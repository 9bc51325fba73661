package io.fathom.orchestrator.jobs;

import io.fathom.orchestrator.events.EventPayloads;
import io.fathom.orchestrator.events.NewEvent;
import io.fathom.orchestrator.events.Notifications;
import io.fathom.orchestrator.store.Statement;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.List;
import java.util.UUID;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.stereotype.Component;
import reactor.core.publisher.Mono;

/**
 * Appends a job's events together with the change to its row, in one SQL statement (so one
 * transaction and one round trip): the row update allocates the sequence numbers under the row
 * lock, so events commit in seq order with no gap, and the commit's events go into one row of
 * {@code events}; listeners are told after the commit. The
 * update is fenced: when the job is no longer this writer's, nothing is written and the result is
 * empty.
 */
@Component
public class JobWriter {

  private final DatabaseClient db;
  private final Notifications notifications;

  private final Timer commits;

  public JobWriter(DatabaseClient db, Notifications notifications, MeterRegistry meters) {
    this.db = db;
    this.notifications = notifications;
    this.commits =
        Timer.builder("fathom.commit")
            .description("Time to commit a job change with its events")
            .publishPercentiles(0.5, 0.99)
            .register(meters);
  }

  /** Commits; emits nothing when the fence no longer holds. */
  public Mono<CommitResult> commit(UUID jobId, Fence fence, JobChange change, List<NewEvent> events) {
    int n = events.size();
    Statement s = new Statement().append("WITH j AS (UPDATE jobs SET last_seq = last_seq + ").param(n, Integer.class);
    if (change.status() != null) {
      s.append(", status = ").param(change.status().wire(), String.class);
      if (change.status().isTerminal()) {
        s.append(", finished_at = clock_timestamp(), lease_owner = NULL, lease_expires_at = NULL");
      }
    }
    if (change.rounds() != null) {
      s.append(", rounds = ").param(change.rounds(), Integer.class);
    }
    if (change.promptTokens() != 0 || change.completionTokens() != 0) {
      s.append(", prompt_tokens = prompt_tokens + ").param(change.promptTokens(), Long.class);
      s.append(", completion_tokens = completion_tokens + ").param(change.completionTokens(), Long.class);
    }
    if (change.answer() != null) {
      s.append(", answer = ").param(change.answer(), String.class);
    }
    if (change.error() != null) {
      s.append(", error_code = ").param(change.error().code(), String.class);
      s.append(", error_message = ").param(change.error().message(), String.class);
    }
    s.append(" WHERE id = ").param(jobId, UUID.class);
    switch (fence) {
      case Fence.Lease lease ->
          s.append(" AND status = 'running' AND lease_owner = ").param(lease.owner(), String.class);
      case Fence.InStatus in -> s.append(" AND status = ").param(in.status().wire(), String.class);
    }
    s.append(" RETURNING last_seq, cancel_requested)");
    if (n > 0) {
      // One row for the commit's events (see migration V2): their types and packed payloads.
      s.append(", e AS (INSERT INTO events (job_id, last_seq, types, data) SELECT ").param(jobId, UUID.class);
      s.append(", j.last_seq, ")
          .param(events.stream().map(e -> e.type().wire()).toArray(String[]::new), String[].class)
          .append("::text[], ")
          .param(EventPayloads.pack(events.stream().map(NewEvent::json).toList()), byte[].class)
          .append(" FROM j RETURNING 1)");
    }
    if (change.round() != null) {
      JobChange.RoundCost r = change.round();
      s.append(", r AS (INSERT INTO rounds (job_id, round, prompt_tokens, completion_tokens, tool_calls,"
              + " model_ms, tools_ms) SELECT ")
          .param(jobId, UUID.class).append(", ")
          .param(r.round(), Integer.class).append(", ")
          .param(r.promptTokens(), Long.class).append(", ")
          .param(r.completionTokens(), Long.class).append(", ")
          .param(r.toolCalls(), Integer.class).append(", ")
          .param(r.modelMs(), Long.class).append(", ")
          .param(r.toolsMs(), Long.class)
          .append(" FROM j ON CONFLICT DO NOTHING RETURNING 1)");
    }
    s.append(" SELECT j.last_seq, j.cancel_requested FROM j");
    return Mono.defer(() -> {
          long start = System.nanoTime();
          return s.on(db)
              .map(row -> new CommitResult(row.get("last_seq", Long.class), row.get("cancel_requested", Boolean.class)))
              .one()
              .doOnNext(r -> commits.record(System.nanoTime() - start, java.util.concurrent.TimeUnit.NANOSECONDS));
        })
        .doOnNext(r -> {
          if (n > 0) {
            notifications.published(jobId, r.lastSeq());
          }
        });
  }
}
