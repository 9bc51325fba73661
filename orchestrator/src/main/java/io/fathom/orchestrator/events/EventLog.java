package io.fathom.orchestrator.events;

import io.r2dbc.spi.Readable;
import java.time.OffsetDateTime;
import java.util.Collection;
import java.util.UUID;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.stereotype.Component;
import reactor.core.publisher.Flux;

/** Reads stored events. Appends happen with the job update that causes them ({@code JobWriter}). */
@Component
public class EventLog {

  private final DatabaseClient db;

  public EventLog(DatabaseClient db) {
    this.db = db;
  }

  /** Events of {@code jobId} with {@code seq > after}, in order, at most {@code limit}. */
  public Flux<JobEvent> after(UUID jobId, long after, int limit) {
    return db.sql(
            "SELECT seq, type, data::text AS data, created_at FROM events"
                + " WHERE job_id = $1 AND seq > $2 ORDER BY seq LIMIT $3")
        .bind(0, jobId)
        .bind(1, after)
        .bind(2, limit)
        .map(row -> toEvent(jobId, row))
        .all();
  }

  /** Events of {@code jobId} of the given types, in order. */
  public Flux<JobEvent> ofTypes(UUID jobId, Collection<EventType> types) {
    String[] wires = types.stream().map(EventType::wire).toArray(String[]::new);
    return db.sql(
            "SELECT seq, type, data::text AS data, created_at FROM events"
                + " WHERE job_id = $1 AND type = ANY($2) ORDER BY seq")
        .bind(0, jobId)
        .bind(1, wires)
        .map(row -> toEvent(jobId, row))
        .all();
  }

  private static JobEvent toEvent(UUID jobId, Readable row) {
    return new JobEvent(
        jobId,
        row.get("seq", Long.class),
        EventType.fromWire(row.get("type", String.class)),
        row.get("data", String.class),
        row.get("created_at", OffsetDateTime.class).toInstant());
  }
}
