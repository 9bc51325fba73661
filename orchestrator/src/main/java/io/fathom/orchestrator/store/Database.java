package io.fathom.orchestrator.store;

import io.r2dbc.pool.ConnectionPool;
import io.r2dbc.pool.ConnectionPoolConfiguration;
import io.r2dbc.postgresql.PostgresqlConnectionConfiguration;
import io.r2dbc.postgresql.PostgresqlConnectionFactory;
import java.time.Duration;
import reactor.netty.resources.LoopResources;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The database Fathom uses: an external PostgreSQL when a URL is given, else the embedded one. On
 * start the schema is migrated; {@link #pool()} serves request paths and {@link
 * #connectionFactory()} makes dedicated connections (LISTEN).
 */
public final class Database implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(Database.class);

  private final DatabaseUrl url;
  private final EmbeddedDatabase embedded;
  private final PostgresqlConnectionFactory connectionFactory;
  private final ConnectionPool pool;
  private final LoopResources loops;

  private Database(DatabaseUrl url, EmbeddedDatabase embedded, int poolSize) {
    this.url = url;
    this.embedded = embedded;
    // Not colocated: connections opened from an event loop would otherwise all share that one
    // thread, and every job's continuations with it.
    this.loops = LoopResources.create("fathom-pg", 1, Math.max(2, Runtime.getRuntime().availableProcessors()), true, false);
    this.connectionFactory =
        new PostgresqlConnectionFactory(
            PostgresqlConnectionConfiguration.builder()
                .host(url.host())
                .port(url.port())
                .database(url.database())
                .username(url.user())
                .password(url.password())
                .applicationName("fathom")
                .connectTimeout(Duration.ofSeconds(10))
                .loopResources(loops)
                .build());
    this.pool =
        new ConnectionPool(
            ConnectionPoolConfiguration.builder(connectionFactory)
                .initialSize(2)
                .maxSize(poolSize)
                .maxIdleTime(Duration.ofMinutes(10))
                .maxAcquireTime(Duration.ofSeconds(60))
                .build());
  }

  /** Connects to {@code url} (or starts the embedded server when it is null) and migrates. */
  public static Database open(DatabaseUrl url, java.nio.file.Path dataDir, int poolSize) {
    EmbeddedDatabase embedded = null;
    if (url == null) {
      embedded = EmbeddedDatabase.start(dataDir);
      url = embedded.url();
    }
    try {
      Migrations.migrate(url);
    } catch (RuntimeException e) {
      if (embedded != null) {
        embedded.close();
      }
      throw new IllegalStateException("cannot migrate the database at " + url + ": " + e.getMessage(), e);
    }
    log.info("Database ready at {}", url);
    return new Database(url, embedded, poolSize);
  }

  public DatabaseUrl url() {
    return url;
  }

  public ConnectionPool pool() {
    return pool;
  }

  public PostgresqlConnectionFactory connectionFactory() {
    return connectionFactory;
  }

  @Override
  public void close() {
    pool.dispose();
    loops.dispose();
    if (embedded != null) {
      embedded.close();
    }
  }
}
