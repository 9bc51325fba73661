package io.fathom.orchestrator.jobs;

import io.fathom.orchestrator.events.EventPayloads;
import io.fathom.orchestrator.events.EventType;
import io.fathom.orchestrator.events.NewEvent;
import io.fathom.orchestrator.events.Notifications;
import io.fathom.orchestrator.store.Statement;
import io.fathom.tools.functions.FunctionDefinition;
import io.r2dbc.spi.Readable;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.List;
import java.util.UUID;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.stereotype.Component;
import reactor.core.publisher.Mono;
import tools.jackson.databind.json.JsonMapper;

/** Jobs: submission (idempotent), look-up and listing per tenant, cancellation. */
@Component
public class JobStore {

  static final String COLUMNS =
      "id, tenant, status, spec::text AS spec, rounds, answer, error_code, error_message, prompt_tokens,"
          + " completion_tokens, last_seq, cancel_requested, created_at, started_at, finished_at";

  private final DatabaseClient db;
  private final JsonMapper json;
  private final JobWriter writer;
  private final Notifications notifications;

  public JobStore(DatabaseClient db, JsonMapper json, JobWriter writer, Notifications notifications) {
    this.db = db;
    this.json = json;
    this.writer = writer;
    this.notifications = notifications;
  }

  /** A submission's result: the job, and whether it was created now or found by its key. */
  public record Submitted(Job job, boolean created) {}

  /**
   * Stores a queued job with its {@code job.queued} event and wakes the schedulers. With an
   * idempotency key already used by this tenant, returns that job instead.
   */
  public Mono<Submitted> submit(String tenant, JobSpec spec, List<FunctionDefinition> toolDefs) {
    UUID id = UUID.randomUUID();
    String queued = json.writeValueAsString(new QueuedData(spec.tools(), spec.maxRounds()));
    Statement s =
        new Statement()
            .append("WITH ins AS (INSERT INTO jobs (id, tenant, status, spec, tool_defs, idempotency_key,"
                + " deadline_at, last_seq) VALUES (")
            .param(id, UUID.class).append(", ")
            .param(tenant, String.class).append(", 'queued', ")
            .param(json.writeValueAsString(spec), String.class).append("::jsonb, ")
            .param(json.writeValueAsString(toolDefs), String.class).append("::jsonb, ")
            .param(spec.idempotencyKey(), String.class).append(", ")
            .append("clock_timestamp() + make_interval(secs => ")
            .param(spec.deadlineSeconds(), Integer.class)
            .append("), 1) ON CONFLICT (tenant, idempotency_key) DO NOTHING RETURNING " + COLUMNS + "),"
                + " e AS (INSERT INTO events (job_id, last_seq, types, data) SELECT id, 1, ARRAY['"
                + EventType.JOB_QUEUED.wire() + "'], ")
            .param(EventPayloads.pack(List.of(queued)), byte[].class)
            .append(" FROM ins RETURNING job_id)"
                + " SELECT ins.*, (SELECT count(*) FROM e) AS queued FROM ins");
    // One round trip for a new job; a known idempotency key inserts nothing and reads that job.
    return s.on(db)
        .map(this::toJob)
        .one()
        .map(job -> new Submitted(job, true))
        .doOnNext(submitted -> notifications.runnable())
        .switchIfEmpty(
            Mono.defer(() -> byIdempotencyKey(tenant, spec.idempotencyKey()).map(job -> new Submitted(job, false))));
  }

  record QueuedData(List<String> tools, int maxRounds) {}

  private Mono<Job> byIdempotencyKey(String tenant, String key) {
    return db.sql("SELECT " + COLUMNS + " FROM jobs WHERE tenant = $1 AND idempotency_key = $2")
        .bind(0, tenant)
        .bind(1, key)
        .map(this::toJob)
        .one();
  }

  /** The tenant's job, or empty (also when it belongs to another tenant). */
  public Mono<Job> get(String tenant, UUID id) {
    return db.sql("SELECT " + COLUMNS + " FROM jobs WHERE id = $1 AND tenant = $2")
        .bind(0, id)
        .bind(1, tenant)
        .map(this::toJob)
        .one();
  }

  /** Any tenant's job (for the runner). */
  public Mono<Job> get(UUID id) {
    return db.sql("SELECT " + COLUMNS + " FROM jobs WHERE id = $1").bind(0, id).map(this::toJob).one();
  }

  /** The function definitions a job was submitted with. */
  public Mono<List<FunctionDefinition>> toolDefinitions(UUID id) {
    return db.sql("SELECT tool_defs::text AS d FROM jobs WHERE id = $1")
        .bind(0, id)
        .map(row -> row.get("d", String.class))
        .one()
        .map(text -> List.of(json.readValue(text, FunctionDefinition[].class)));
  }

  /** Newest first; {@code cursor} is the previous page's {@code nextCursor} or null. */
  public Mono<JobPage> list(String tenant, JobStatus status, int limit, String cursor) {
    Statement s = new Statement().append("SELECT " + COLUMNS + " FROM jobs WHERE tenant = ").param(tenant, String.class);
    if (status != null) {
      s.append(" AND status = ").param(status.wire(), String.class);
    }
    if (cursor != null) {
      Cursor c = Cursor.decode(cursor);
      s.append(" AND (created_at, id) < (").param(c.createdAt(), OffsetDateTime.class).append(", ")
          .param(c.id(), UUID.class).append(")");
    }
    s.append(" ORDER BY created_at DESC, id DESC LIMIT ").param(limit + 1, Integer.class);
    return s.on(db)
        .map(this::toJob)
        .all()
        .collectList()
        .map(
            jobs -> {
              if (jobs.size() <= limit) {
                return new JobPage(jobs, null);
              }
              List<Job> page = jobs.subList(0, limit);
              Job last = page.getLast();
              return new JobPage(page, new Cursor(last.createdAt().atOffset(ZoneOffset.UTC), last.id()).encode());
            });
  }

  /**
   * Cancels: a queued job is cancelled at once (it never starts); a running job is flagged and its
   * runner, on whichever replica, is told to stop; a finished job is left as it is.
   */
  public Mono<CancelOutcome> cancel(String tenant, UUID id) {
    String data = "{\"reason\":\"cancelled before it started\"}";
    return get(tenant, id)
        .flatMap(
            job ->
                writer
                    .commit(
                        id,
                        new Fence.InStatus(JobStatus.QUEUED),
                        JobChange.cancelled(),
                        List.of(new NewEvent(EventType.JOB_CANCELLED, data)))
                    .flatMap(r -> get(id).<CancelOutcome>map(CancelOutcome.Cancelled::new))
                    .switchIfEmpty(Mono.defer(() -> requestCancel(id)))
                    .switchIfEmpty(Mono.defer(() -> get(id).map(CancelOutcome.AlreadyFinished::new))))
        .defaultIfEmpty(new CancelOutcome.NotFound());
  }

  private Mono<CancelOutcome> requestCancel(UUID id) {
    return db.sql(
            "WITH u AS (UPDATE jobs SET cancel_requested = true WHERE id = $1 AND status = 'running' RETURNING id),"
                + " n AS (SELECT pg_notify('" + Notifications.CANCEL + "', id::text) FROM u)"
                + " SELECT count(*) AS c FROM n")
        .bind(0, id)
        .map(row -> row.get("c", Long.class))
        .one()
        .filter(c -> c > 0)
        .flatMap(c -> get(id).map(CancelOutcome.Requested::new));
  }

  Job toJob(Readable row) {
    String errorCode = row.get("error_code", String.class);
    return new Job(
        row.get("id", UUID.class),
        row.get("tenant", String.class),
        JobStatus.fromWire(row.get("status", String.class)),
        json.readValue(row.get("spec", String.class), JobSpec.class),
        row.get("rounds", Integer.class),
        row.get("answer", String.class),
        errorCode == null ? null : new JobError(errorCode, row.get("error_message", String.class)),
        new TokenUsage(row.get("prompt_tokens", Long.class), row.get("completion_tokens", Long.class)),
        row.get("last_seq", Long.class),
        row.get("cancel_requested", Boolean.class),
        instant(row, "created_at"),
        instant(row, "started_at"),
        instant(row, "finished_at"));
  }

  private static Instant instant(Readable row, String column) {
    OffsetDateTime t = row.get(column, OffsetDateTime.class);
    return t == null ? null : t.toInstant();
  }

  /** A listing position: the last job's creation time and id, base64url-encoded. */
  record Cursor(OffsetDateTime createdAt, UUID id) {
    String encode() {
      ByteBuffer b = ByteBuffer.allocate(24);
      Instant t = createdAt.toInstant();
      b.putLong(t.getEpochSecond() * 1_000_000 + t.getNano() / 1000);
      b.putLong(id.getMostSignificantBits()).putLong(id.getLeastSignificantBits());
      return Base64.getUrlEncoder().withoutPadding().encodeToString(b.array());
    }

    static Cursor decode(String text) {
      byte[] bytes;
      try {
        bytes = Base64.getUrlDecoder().decode(text.getBytes(StandardCharsets.US_ASCII));
      } catch (IllegalArgumentException e) {
        throw new InvalidCursorException();
      }
      if (bytes.length != 24) {
        throw new InvalidCursorException();
      }
      ByteBuffer b = ByteBuffer.wrap(bytes);
      long micros = b.getLong();
      Instant t = Instant.ofEpochSecond(Math.floorDiv(micros, 1_000_000), Math.floorMod(micros, 1_000_000) * 1000L);
      return new Cursor(t.atOffset(ZoneOffset.UTC), new UUID(b.getLong(), b.getLong()));
    }
  }

  /** A cursor that this service did not issue. */
  public static final class InvalidCursorException extends IllegalArgumentException {
    public InvalidCursorException() {
      super("cursor is not one this service issued");
    }
  }
}
