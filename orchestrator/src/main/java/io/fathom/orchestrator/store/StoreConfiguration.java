package io.fathom.orchestrator.store;

import io.fathom.orchestrator.config.FathomProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.r2dbc.connection.R2dbcTransactionManager;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.transaction.reactive.TransactionalOperator;

/** Wires the database: the embedded server or FATHOM_DB_URL, the pool, the client. */
@Configuration(proxyBeanMethods = false)
public class StoreConfiguration {

  @Bean(destroyMethod = "close")
  Database database(FathomProperties properties) {
    String url = properties.dbUrl();
    return Database.open(
        url == null || url.isBlank() ? null : DatabaseUrl.parse(url), properties.dataDir(), 20);
  }

  @Bean
  DatabaseClient databaseClient(Database database) {
    return DatabaseClient.create(database.pool());
  }

  @Bean
  TransactionalOperator transactionalOperator(Database database) {
    return TransactionalOperator.create(new R2dbcTransactionManager(database.pool()));
  }
}
