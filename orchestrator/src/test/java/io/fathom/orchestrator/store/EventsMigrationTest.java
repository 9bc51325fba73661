package io.fathom.orchestrator.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.fathom.orchestrator.events.EventLog;
import io.fathom.orchestrator.events.EventPayloads;
import io.fathom.orchestrator.events.EventType;
import io.fathom.orchestrator.events.JobEvent;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.util.List;
import java.util.UUID;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.r2dbc.core.DatabaseClient;

/**
 * Migration V2 moves events from one row each to one packed row per commit: events written under
 * V1 read back the same afterwards (their JSON as PostgreSQL's jsonb printed it), and rows written
 * the new way unpack to the right sequence numbers around them.
 */
class EventsMigrationTest {

  @TempDir static Path dir;
  static EmbeddedDatabase postgres;

  @BeforeAll
  static void start() {
    postgres = EmbeddedDatabase.start(dir);
  }

  @AfterAll
  static void stop() {
    postgres.close();
  }

  @Test
  void eventsStoredOneRowEachReadBackUnchangedAfterTheMigration() throws Exception {
    DatabaseUrl url = postgres.url();
    Flyway.configure().dataSource(url.jdbcUrl(), url.user(), url.password())
        .locations("classpath:db/migration").target("1").load().migrate();
    UUID job = UUID.randomUUID();
    UUID other = UUID.randomUUID();
    try (Connection c = DriverManager.getConnection(url.jdbcUrl(), url.user(), url.password());
        var s = c.createStatement()) {
      for (UUID id : List.of(job, other)) {
        s.execute("INSERT INTO jobs (id, tenant, status, spec, last_seq) VALUES ('" + id + "', 't', 'running', '{}', 3)");
        s.execute("INSERT INTO events (job_id, seq, type, data) VALUES"
            + " ('" + id + "', 1, 'job.queued', '{\"tools\": []}'),"
            + " ('" + id + "', 2, 'job.started', '{\"owner\": \"a\"}'),"
            + " ('" + id + "', 3, 'round.started', '{\"round\": 1}')");
      }
    }
    Migrations.migrate(url);

    try (Database db = Database.open(url, dir, 2)) {
      DatabaseClient client = DatabaseClient.create(db.pool());
      EventLog log = new EventLog(client);
      // A commit written after the migration: two events in one row, seq 4 and 5.
      client.sql("INSERT INTO events (job_id, last_seq, types, data) VALUES ($1, 5, ARRAY['model.completed', 'tool.called'], $2)")
          .bind(0, job)
          .bind(1, EventPayloads.pack(List.of("{\"round\": 1}", "{\"round\":1,\"index\":0}")))
          .then().block();

      List<JobEvent> all = log.after(job, 0, 100).collectList().block();
      assertThat(all).extracting(JobEvent::seq).containsExactly(1L, 2L, 3L, 4L, 5L);
      assertThat(all).extracting(JobEvent::type)
          .containsExactly(EventType.JOB_QUEUED, EventType.JOB_STARTED, EventType.ROUND_STARTED,
              EventType.MODEL_COMPLETED, EventType.TOOL_CALLED);
      assertThat(all.get(1).json()).isEqualTo("{\"owner\": \"a\"}");
      assertThat(all.get(4).json()).isEqualTo("{\"round\":1,\"index\":0}");

      // Resuming inside a row skips its events up to the cursor; the limit counts events.
      assertThat(log.after(job, 4, 100).collectList().block()).extracting(JobEvent::seq).containsExactly(5L);
      assertThat(log.after(job, 2, 2).collectList().block()).extracting(JobEvent::seq).containsExactly(3L, 4L);
      assertThat(log.ofTypes(job, List.of(EventType.TOOL_CALLED, EventType.JOB_STARTED)).collectList().block())
          .extracting(JobEvent::seq).containsExactly(2L, 5L);
      // Another job's rows stay its own.
      assertThat(log.after(other, 0, 100).collectList().block()).extracting(JobEvent::seq).containsExactly(1L, 2L, 3L);
    }
  }
}
