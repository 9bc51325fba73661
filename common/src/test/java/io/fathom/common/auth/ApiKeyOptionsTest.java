package io.fathom.common.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ApiKeyOptionsTest {

  private static final String A = "a-0123456789abcdef";
  private static final String B = "b-0123456789abcdef";
  private static final String VAR = "FATHOM_TEST_KEYS";

  @TempDir Path dir;

  @Test
  void givenKeysComeFirstCommaSeparatedAndRepeatable() {
    ApiKeyOptions options =
        ApiKeyOptions.fromCommandLine(List.of(A + ", " + B), false, dir.resolve("k"), VAR, Map.of(VAR, "c-0123456789abcdef"));
    assertThat(options.keys()).containsExactly(A, B);
    assertThat(ApiKeyOptions.fromCommandLine(List.of(A, B), false, null, VAR, Map.of()).keys()).containsExactly(A, B);
    assertThat(options.toString()).doesNotContain(A).contains("keys=2 given");
    ApiKeyOptions.Resolved resolved = options.resolve();
    assertThat(resolved.file()).isEmpty();
    assertThat(resolved.keys().verify("Bearer " + B)).isEqualTo(BearerKeys.Verdict.ACCEPTED);
    assertThat(Files.exists(dir.resolve("k"))).isFalse();
  }

  @Test
  void theVariableServesWhenNoKeyIsGiven() {
    ApiKeyOptions options = ApiKeyOptions.fromCommandLine(List.of(), false, dir.resolve("k"), VAR, Map.of(VAR, A + "," + B));
    assertThat(options.keys()).containsExactly(A, B);
  }

  @Test
  void withNoKeyAnywhereOneIsGeneratedIntoTheFile() {
    ApiKeyOptions options = ApiKeyOptions.fromCommandLine(List.of(), false, dir.resolve("k"), VAR, Map.of(VAR, " "));
    ApiKeyOptions.Resolved resolved = options.resolve();
    assertThat(resolved.file()).isPresent();
    String key = resolved.file().orElseThrow().key();
    assertThat(resolved.keys().verify("Bearer " + key)).isEqualTo(BearerKeys.Verdict.ACCEPTED);
    assertThat(options.resolve().file().orElseThrow().key()).isEqualTo(key);
  }

  @Test
  void noApiKeyServesEveryoneButRefusesAKeyBesideIt() {
    ApiKeyOptions open = ApiKeyOptions.fromCommandLine(List.of(), true, dir.resolve("k"), VAR, Map.of());
    assertThat(open).isEqualTo(ApiKeyOptions.none());
    assertThat(open.resolve().keys().required()).isFalse();
    assertThatThrownBy(() -> ApiKeyOptions.fromCommandLine(List.of(A), true, null, VAR, Map.of()))
        .hasMessage("give either --api-key or --no-api-key, not both");
    assertThatThrownBy(() -> ApiKeyOptions.fromCommandLine(List.of(), true, null, VAR, Map.of(VAR, A)))
        .hasMessage(VAR + " is set: unset it or drop --no-api-key");
  }

  @Test
  void badKeysAreNamedByWhereTheyCameFrom() {
    assertThatThrownBy(() -> ApiKeyOptions.fromCommandLine(List.of(" , "), false, null, VAR, Map.of()))
        .hasMessage("--api-key needs a key");
    assertThatThrownBy(() -> ApiKeyOptions.fromCommandLine(List.of(A + ",short"), false, null, VAR, Map.of()))
        .hasMessageStartingWith("--api-key: an API key must have 16");
    assertThatThrownBy(() -> ApiKeyOptions.fromCommandLine(List.of(), false, null, VAR, Map.of(VAR, "short")))
        .hasMessageStartingWith(VAR + ": an API key must have 16");
    assertThatThrownBy(() -> ApiKeyOptions.fromCommandLine(List.of(), false, null, VAR, Map.of()))
        .hasMessage("no API key and no file to keep a generated one in");
  }
}
