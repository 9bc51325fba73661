package io.fathom.orchestrator.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class DatabaseUrlTest {

  @Test
  void parsesTheFullLibpqForm() {
    DatabaseUrl url = DatabaseUrl.parse("postgresql://u:p@h:5433/db");

    assertThat(url).isEqualTo(new DatabaseUrl("h", 5433, "db", "u", "p"));
    assertThat(url.jdbcUrl()).isEqualTo("jdbc:postgresql://h:5433/db");
  }

  @Test
  void acceptsThePostgresAlias() {
    assertThat(DatabaseUrl.parse("postgres://u:p@h:5433/db"))
        .isEqualTo(new DatabaseUrl("h", 5433, "db", "u", "p"));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "jdbc:postgresql://u:p@h:5433/db",
        "r2dbc:postgresql://u:p@h:5433/db",
        "r2dbc:postgres://u:p@h:5433/db",
        "  postgresql://u:p@h:5433/db\n"
      })
  void acceptsPrefixesAndSurroundingWhitespace(String text) {
    assertThat(DatabaseUrl.parse(text)).isEqualTo(new DatabaseUrl("h", 5433, "db", "u", "p"));
  }

  @Test
  void decodesAPercentEncodedPassword() {
    DatabaseUrl url = DatabaseUrl.parse("postgresql://app:p%40ss%3Aw%2Fd%25@db.internal:5432/fathom");

    assertThat(url.user()).isEqualTo("app");
    assertThat(url.password()).isEqualTo("p@ss:w/d%");
    assertThat(url.host()).isEqualTo("db.internal");
  }

  @Test
  void passwordMayContainAColonUnencoded() {
    assertThat(DatabaseUrl.parse("postgresql://app:a:b@h/db").password()).isEqualTo("a:b");
  }

  @Test
  void defaultsPortDatabaseUserAndPassword() {
    assertThat(DatabaseUrl.parse("postgresql://h"))
        .isEqualTo(new DatabaseUrl("h", 5432, "postgres", "postgres", ""));
    assertThat(DatabaseUrl.parse("postgresql://h/"))
        .isEqualTo(new DatabaseUrl("h", 5432, "postgres", "postgres", ""));
    assertThat(DatabaseUrl.parse("postgresql://only-user@h:6000"))
        .isEqualTo(new DatabaseUrl("h", 6000, "postgres", "only-user", ""));
  }

  @Test
  void readsUserAndPasswordFromTheQuery() {
    DatabaseUrl url = DatabaseUrl.parse("postgresql://h:5433/db?sslmode=disable&user=alice&password=s%26cret");

    assertThat(url).isEqualTo(new DatabaseUrl("h", 5433, "db", "alice", "s&cret"));
  }

  @Test
  void queryParametersOverrideTheUserInfo() {
    DatabaseUrl url = DatabaseUrl.parse("postgresql://u:p@h/db?password=q");

    assertThat(url.user()).isEqualTo("u");
    assertThat(url.password()).isEqualTo("q");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "mysql://u:p@h:3306/db",
        "jdbc:mysql://u:p@h:3306/db",
        "http://h/db",
        "h:5432/db",
        ""
      })
  void rejectsOtherSchemes(String text) {
    assertThatThrownBy(() -> DatabaseUrl.parse(text))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("postgresql://");
  }

  @Test
  void rejectsAMissingHost() {
    assertThatThrownBy(() -> DatabaseUrl.parse("postgresql:///db"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("no host");
  }

  @Test
  void aPlusInThePasswordIsAPlusAndErrorsNeverQuoteThePassword() {
    assertThat(DatabaseUrl.parse("postgresql://u:pa+ss@h/db").password()).isEqualTo("pa+ss");
    assertThatThrownBy(() -> DatabaseUrl.parse("postgresql://u:s3cr3t word@h/db"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageNotContaining("s3cr3t");
  }

  @Test
  void toStringHidesThePassword() {
    DatabaseUrl url = DatabaseUrl.parse("postgresql://u:hunter2@h:5433/db");

    assertThat(url.toString()).doesNotContain("hunter2").isEqualTo("postgresql://u@h:5433/db");
  }
}
