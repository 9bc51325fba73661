package io.fathom.orchestrator.events;

import io.r2dbc.spi.Readable;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.function.LongPredicate;
import java.util.function.Predicate;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.stereotype.Component;
import reactor.core.publisher.Flux;

/**
 * Reads stored events. Appends happen with the job update that causes them ({@code JobWriter}),
 * one row per commit (migration V2): the i-th event (from 0) of a row with n events has seq
 * {@code last_seq - n + 1 + i}, and its payload is the i-th of the row's {@link EventPayloads}.
 */
@Component
public class EventLog {

  private final DatabaseClient db;

  public EventLog(DatabaseClient db) {
    this.db = db;
  }

  /** Events of {@code jobId} with {@code seq > after}, in order, at most {@code limit}. */
  public Flux<JobEvent> after(UUID jobId, long after, int limit) {
    // Each row holds at least one event, so `limit` rows hold enough.
    return db.sql("SELECT last_seq, types, data, created_at FROM events WHERE job_id = $1 AND last_seq > $2 ORDER BY last_seq LIMIT $3")
        .bind(0, jobId)
        .bind(1, after)
        .bind(2, limit)
        .map(row -> unpack(jobId, row, seq -> seq > after, type -> true))
        .all()
        .concatMapIterable(events -> events)
        .take(limit, true);
  }

  /** Events of {@code jobId} of the given types, in order. */
  public Flux<JobEvent> ofTypes(UUID jobId, Collection<EventType> types) {
    Set<EventType> wanted = Set.copyOf(types);
    String[] wires = types.stream().map(EventType::wire).toArray(String[]::new);
    return db.sql("SELECT last_seq, types, data, created_at FROM events WHERE job_id = $1 AND types && $2 ORDER BY last_seq")
        .bind(0, jobId)
        .bind(1, wires)
        .map(row -> unpack(jobId, row, seq -> true, wanted::contains))
        .all()
        .concatMapIterable(events -> events);
  }

  private static List<JobEvent> unpack(UUID jobId, Readable row, LongPredicate seqWanted, Predicate<EventType> typeWanted) {
    long last = row.get("last_seq", Long.class);
    String[] types = row.get("types", String[].class);
    Instant at = row.get("created_at", OffsetDateTime.class).toInstant();
    List<String> payloads = EventPayloads.unpack(row.get("data", byte[].class), types.length);
    List<JobEvent> out = new ArrayList<>(types.length);
    for (int i = 0; i < types.length; i++) {
      long seq = last - types.length + 1 + i;
      EventType type = EventType.fromWire(types[i]);
      if (seqWanted.test(seq) && typeWanted.test(type)) {
        out.add(new JobEvent(jobId, seq, type, payloads.get(i), at));
      }
    }
    return out;
  }
}
