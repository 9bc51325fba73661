package io.fathom.orchestrator.functions;

import io.fathom.tools.functions.FunctionDefinition;
import io.r2dbc.spi.Readable;
import java.net.URI;
import java.util.List;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.stereotype.Component;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import tools.jackson.databind.json.JsonMapper;

/** A tenant's user-defined functions. */
@Component
public class FunctionStore {

  private final DatabaseClient db;
  private final JsonMapper json;

  public FunctionStore(DatabaseClient db, JsonMapper json) {
    this.db = db;
    this.json = json;
  }

  /** Creates or replaces; emits true when it was created. */
  public Mono<Boolean> put(String tenant, FunctionDefinition f) {
    return db.sql(
            "INSERT INTO functions (tenant, name, description, parameters, url, idempotent) VALUES ($1, $2, $3, $4::jsonb, $5, $6)"
                + " ON CONFLICT (tenant, name) DO UPDATE SET description = EXCLUDED.description,"
                + " parameters = EXCLUDED.parameters, url = EXCLUDED.url, idempotent = EXCLUDED.idempotent"
                + " RETURNING (xmax = 0) AS created")
        .bind(0, tenant)
        .bind(1, f.name())
        .bind(2, f.description())
        .bind(3, json.writeValueAsString(f.parameters()))
        .bind(4, f.url().toString())
        .bind(5, f.idempotent())
        .map(row -> row.get("created", Boolean.class))
        .one();
  }

  public Mono<FunctionDefinition> get(String tenant, String name) {
    return db.sql("SELECT name, description, parameters::text AS parameters, url, idempotent FROM functions WHERE tenant = $1 AND name = $2")
        .bind(0, tenant)
        .bind(1, name)
        .map(this::toDefinition)
        .one();
  }

  public Flux<FunctionDefinition> list(String tenant) {
    return db.sql("SELECT name, description, parameters::text AS parameters, url, idempotent FROM functions WHERE tenant = $1 ORDER BY name")
        .bind(0, tenant)
        .map(this::toDefinition)
        .all();
  }

  /** The named functions that exist, in no particular order. */
  public Flux<FunctionDefinition> getAll(String tenant, List<String> names) {
    return db.sql(
            "SELECT name, description, parameters::text AS parameters, url, idempotent FROM functions WHERE tenant = $1 AND name = ANY($2)")
        .bind(0, tenant)
        .bind(1, names.toArray(String[]::new))
        .map(this::toDefinition)
        .all();
  }

  /** Emits true when a function was deleted. */
  public Mono<Boolean> delete(String tenant, String name) {
    return db.sql("DELETE FROM functions WHERE tenant = $1 AND name = $2")
        .bind(0, tenant)
        .bind(1, name)
        .fetch()
        .rowsUpdated()
        .map(n -> n > 0);
  }

  private FunctionDefinition toDefinition(Readable row) {
    return new FunctionDefinition(
        row.get("name", String.class),
        row.get("description", String.class),
        json.readTree(row.get("parameters", String.class)),
        URI.create(row.get("url", String.class)),
        row.get("idempotent", Boolean.class));
  }
}
