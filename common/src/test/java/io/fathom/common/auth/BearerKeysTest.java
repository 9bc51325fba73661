package io.fathom.common.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class BearerKeysTest {

  private static final String KEY = "k-0123456789abcdef";
  private static final String OTHER = "o-0123456789abcdef";

  @Test
  void withoutKeysEveryRequestPasses() {
    BearerKeys none = BearerKeys.none();
    assertThat(none.required()).isFalse();
    assertThat(none.verify(null)).isEqualTo(BearerKeys.Verdict.ACCEPTED);
    assertThat(none.verify("Bearer nonsense")).isEqualTo(BearerKeys.Verdict.ACCEPTED);
  }

  @Test
  void aKeyIsAcceptedOnlyAsABearerToken() {
    BearerKeys keys = BearerKeys.of(List.of(KEY));
    assertThat(keys.required()).isTrue();
    assertThat(keys.verify("Bearer " + KEY)).isEqualTo(BearerKeys.Verdict.ACCEPTED);
    assertThat(keys.verify("bearer  " + KEY + " ")).isEqualTo(BearerKeys.Verdict.ACCEPTED);
    assertThat(keys.verify(null)).isEqualTo(BearerKeys.Verdict.MISSING);
    assertThat(keys.verify("Bearer   ")).isEqualTo(BearerKeys.Verdict.MISSING);
    assertThat(keys.verify("Basic " + KEY)).isEqualTo(BearerKeys.Verdict.MISSING);
    assertThat(keys.verify(KEY)).isEqualTo(BearerKeys.Verdict.MISSING);
    assertThat(keys.verify("Bearer " + OTHER)).isEqualTo(BearerKeys.Verdict.INVALID);
    assertThat(keys.verify("Bearer " + KEY + "x")).isEqualTo(BearerKeys.Verdict.INVALID);
    assertThat(keys.verify("Bearer " + KEY.substring(1))).isEqualTo(BearerKeys.Verdict.INVALID);
  }

  @Test
  void everyListedKeyIsAccepted() {
    BearerKeys keys = BearerKeys.of(List.of(KEY, OTHER));
    assertThat(keys.verify("Bearer " + KEY)).isEqualTo(BearerKeys.Verdict.ACCEPTED);
    assertThat(keys.verify("Bearer " + OTHER)).isEqualTo(BearerKeys.Verdict.ACCEPTED);
    assertThat(keys.verify("Bearer x-0123456789abcdef")).isEqualTo(BearerKeys.Verdict.INVALID);
  }

  @Test
  void unusableKeysAreRefusedWithoutRepeatingThem() {
    assertThatThrownBy(() -> BearerKeys.of(List.of())).hasMessage("no API key given");
    assertThatThrownBy(() -> BearerKeys.check("--api-key", "short-key"))
        .hasMessage("--api-key: an API key must have 16 to 512 characters, got 9");
    assertThatThrownBy(() -> BearerKeys.check("--api-key", "k".repeat(513)))
        .hasMessage("--api-key: an API key must have 16 to 512 characters, got 513");
    assertThatThrownBy(() -> BearerKeys.check("X", "0123456789,abcdefgh"))
        .hasMessage("X: an API key may hold only visible ASCII characters other than ',' (character 11 is not)");
    assertThatThrownBy(() -> BearerKeys.check("X", "0123456789 abcdefgh")).hasMessageContaining("character 11 is not");
    assertThatThrownBy(() -> BearerKeys.check("X", "0123456789\u00e9abcdefgh")).hasMessageContaining("character 11");
    assertThatThrownBy(() -> BearerKeys.check("X", null)).hasMessageContaining("got 0");
    BearerKeys.check("X", "k".repeat(16));
    BearerKeys.check("X", "k".repeat(512));
  }

  @Test
  void generatedKeysAreLongRandomAndUsable() {
    String a = BearerKeys.generate();
    String b = BearerKeys.generate();
    assertThat(a).hasSize(43).matches("[A-Za-z0-9_-]+").isNotEqualTo(b);
    BearerKeys.check("generated", a);
  }
}
