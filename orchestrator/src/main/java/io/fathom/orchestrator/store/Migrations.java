package io.fathom.orchestrator.store;

import org.flywaydb.core.Flyway;

/** Brings a database's schema up to date (Flyway, {@code classpath:db/migration}). */
public final class Migrations {

  private Migrations() {}

  public static void migrate(DatabaseUrl url) {
    Flyway.configure()
        .dataSource(url.jdbcUrl(), url.user(), url.password())
        .locations("classpath:db/migration")
        .load()
        .migrate();
  }
}
