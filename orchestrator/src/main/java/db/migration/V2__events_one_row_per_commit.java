package db.migration;

import io.fathom.orchestrator.events.EventPayloads;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.List;
import org.flywaydb.core.api.migration.BaseJavaMigration;
import org.flywaydb.core.api.migration.Context;

/**
 * Events are stored one row per commit instead of one row per event, their payloads compressed
 * ({@link EventPayloads}). A round writes five events in two commits; one row each cost a tuple
 * header, an index entry and the fixed columns five times over, and PostgreSQL left payloads under
 * about 2 KB uncompressed, so a job's events took about twice its conversation's bytes.
 *
 * <p>A row holds the events of one commit: the last one's sequence number (the first is {@code
 * last_seq - cardinality(types) + 1}; commits allocate them without gaps), their types in order,
 * and their payloads. Rows written under V1 become one row per event.
 */
public class V2__events_one_row_per_commit extends BaseJavaMigration {

  @Override
  public void migrate(Context context) throws Exception {
    Connection c = context.getConnection();
    try (Statement s = c.createStatement()) {
      s.execute("ALTER TABLE events RENAME TO events_v1");
      s.execute("ALTER TABLE events_v1 RENAME CONSTRAINT events_pkey TO events_v1_pkey");
      s.execute(
          """
          CREATE TABLE events (
              job_id     uuid        NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
              last_seq   bigint      NOT NULL,
              types      text[]      NOT NULL CHECK (cardinality(types) > 0),
              data       bytea       NOT NULL,
              created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
              PRIMARY KEY (job_id, last_seq)
          )""");
    }
    try (Statement read = c.createStatement();
        PreparedStatement write =
            c.prepareStatement("INSERT INTO events (job_id, last_seq, types, data, created_at) VALUES (?, ?, ARRAY[?], ?, ?)")) {
      read.setFetchSize(1000);
      int batched = 0;
      try (ResultSet rows = read.executeQuery("SELECT job_id, seq, type, data::text, created_at FROM events_v1")) {
        while (rows.next()) {
          write.setObject(1, rows.getObject(1));
          write.setLong(2, rows.getLong(2));
          write.setString(3, rows.getString(3));
          write.setBytes(4, EventPayloads.pack(List.of(rows.getString(4))));
          write.setObject(5, rows.getObject(5));
          write.addBatch();
          if (++batched % 1000 == 0) {
            write.executeBatch();
          }
        }
      }
      write.executeBatch();
    }
    try (Statement s = c.createStatement()) {
      s.execute("DROP TABLE events_v1");
    }
  }
}
