package io.fathom.orchestrator.store;

import java.util.ArrayList;
import java.util.List;
import org.springframework.r2dbc.core.DatabaseClient;

/**
 * SQL text with positional parameters ({@code $1, $2, ...}) collected as the text is built, so
 * that dynamic statements stay injection-free. Null values carry their type for binding.
 */
public final class Statement {

  private final StringBuilder sql = new StringBuilder();
  private final List<Object> values = new ArrayList<>();
  private final List<Class<?>> types = new ArrayList<>();

  public Statement append(String text) {
    sql.append(text);
    return this;
  }

  /** Appends a placeholder for {@code value}. */
  public <T> Statement param(T value, Class<T> type) {
    values.add(value);
    types.add(type);
    sql.append('$').append(values.size());
    return this;
  }

  public String sql() {
    return sql.toString();
  }

  public DatabaseClient.GenericExecuteSpec on(DatabaseClient db) {
    DatabaseClient.GenericExecuteSpec spec = db.sql(sql.toString());
    for (int i = 0; i < values.size(); i++) {
      Object v = values.get(i);
      spec = v == null ? spec.bindNull(i, types.get(i)) : spec.bind(i, v);
    }
    return spec;
  }
}
