package io.fathom.common.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class OptionValuesTest {

  @Test
  void integersAreBoundedAndNamed() {
    assertThat(OptionValues.integer("--port", " 8000 ", 0, 65535)).isEqualTo(8000);
    assertThat(OptionValues.integer("--port", "0", 0, 65535)).isZero();
    assertThat(OptionValues.integer("--port", "65535", 0, 65535)).isEqualTo(65535);
    assertThatThrownBy(() -> OptionValues.integer("--port", "65536", 0, 65535))
        .hasMessage("--port must be in 0..65535, got 65536");
    assertThatThrownBy(() -> OptionValues.integer("--port", "-1", 0, 65535)).hasMessage("--port must be in 0..65535, got -1");
    assertThatThrownBy(() -> OptionValues.integer("--port", "80x", 0, 65535)).hasMessage("--port must be an integer, got '80x'");
    assertThatThrownBy(() -> OptionValues.integer("--n", "99999999999999999999", 0, 1)).hasMessageContaining("must be an integer");
  }

  @Test
  void sizesTakeUnitsOf1024AndAreBounded() {
    assertThat(OptionValues.size("--max", "512", 1, Long.MAX_VALUE)).isEqualTo(512);
    assertThat(OptionValues.size("--max", "4k", 1, Long.MAX_VALUE)).isEqualTo(4096);
    assertThat(OptionValues.size("--max", "64M", 1, Long.MAX_VALUE)).isEqualTo(64L << 20);
    assertThat(OptionValues.size("--max", "2g", 1, Long.MAX_VALUE)).isEqualTo(2L << 30);
    assertThatThrownBy(() -> OptionValues.size("--max", "3k", 4096, 1L << 40)).hasMessage("--max must be in 4096..1099511627776 bytes, got '3k'");
    assertThatThrownBy(() -> OptionValues.size("--max", "2g", 1, 1L << 30)).hasMessageContaining("got '2g'");
    assertThatThrownBy(() -> OptionValues.size("--max", "9999999999g", 1, Long.MAX_VALUE)).hasMessageContaining("must be in");
    assertThatThrownBy(() -> OptionValues.size("--max", "-1", 0, 10)).hasMessageContaining("must be in 0..10 bytes");
    assertThatThrownBy(() -> OptionValues.size("--max", "lots", 1, 10)).hasMessageContaining("must be a size such as 512m");
    assertThatThrownBy(() -> OptionValues.size("--max", "", 1, 10)).hasMessageContaining("must be a size such as 512m");
  }

  @Test
  void durationsTakeSuffixesIsoOrSeconds() {
    assertThat(OptionValues.duration("--ttl", "90s", false)).isEqualTo(Duration.ofSeconds(90));
    assertThat(OptionValues.duration("--ttl", "10m", false)).isEqualTo(Duration.ofMinutes(10));
    assertThat(OptionValues.duration("--ttl", "2h", false)).isEqualTo(Duration.ofHours(2));
    assertThat(OptionValues.duration("--ttl", "500ms", false)).isEqualTo(Duration.ofMillis(500));
    assertThat(OptionValues.duration("--ttl", "PT5M", false)).isEqualTo(Duration.ofMinutes(5));
    assertThat(OptionValues.duration("--ttl", "pt1h30m", false)).isEqualTo(Duration.ofMinutes(90));
    assertThat(OptionValues.duration("--ttl", "45", false)).isEqualTo(Duration.ofSeconds(45));
    assertThat(OptionValues.duration("--ttl", "0", true)).isZero();
    assertThatThrownBy(() -> OptionValues.duration("--ttl", "0s", false)).hasMessage("--ttl must be positive, got '0s'");
    assertThatThrownBy(() -> OptionValues.duration("--ttl", "-5s", true)).hasMessage("--ttl must be zero or more, got '-5s'");
    assertThatThrownBy(() -> OptionValues.duration("--ttl", "10d", true))
        .hasMessage("--ttl must be a duration such as 90s, 10m or PT10M, got '10d'");
    assertThatThrownBy(() -> OptionValues.duration("--ttl", "", true)).hasMessageContaining("must be a duration");
    assertThatThrownBy(() -> OptionValues.duration("--ttl", "9999999999999999h", true)).hasMessageContaining("must be a duration");
  }

  @Test
  void positiveNumbersAreBounded() {
    assertThat(OptionValues.positive("--cpus", "1.5", 1024)).isEqualTo(1.5);
    assertThatThrownBy(() -> OptionValues.positive("--cpus", "0", 1024)).hasMessage("--cpus must be in (0, 1024.0], got 0");
    assertThatThrownBy(() -> OptionValues.positive("--cpus", "NaN", 1024)).hasMessageContaining("must be in (0, 1024.0]");
    assertThatThrownBy(() -> OptionValues.positive("--cpus", "two", 1024)).hasMessage("--cpus must be a number, got 'two'");
  }
}
