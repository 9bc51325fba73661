package io.fathom.sandbox.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fathom.common.cli.HelpRequested;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The sandbox server's command line: keys, limits, and errors that name the option and its bound. */
class SandboxServerOptionsTest {

  private static final String KEY = "sandbox-key-0123456789";

  @Test
  void keysComeFromTheOptionTheVariableOrAGeneratedFile() {
    SandboxServerOptions given = SandboxServerOptions.parse(new String[] {"--api-key", KEY}, Map.of());
    assertThat(given.apiKeys().keys()).containsExactly(KEY);
    assertThat(given.toString()).doesNotContain(KEY);
    SandboxServerOptions fromEnv =
        SandboxServerOptions.parse(new String[0], Map.of(SandboxServerOptions.KEY_VARIABLE, KEY + ",second-key-0123456789"));
    assertThat(fromEnv.apiKeys().keys()).containsExactly(KEY, "second-key-0123456789");
    SandboxServerOptions generated = SandboxServerOptions.parse(new String[0], Map.of("FATHOM_DATA_DIR", "/srv/f"));
    assertThat(generated.apiKeys().keys()).isEmpty();
    assertThat(generated.apiKeys().keyFile()).isEqualTo(Path.of("/srv/f", "sandbox-api-key"));
    assertThat(SandboxServerOptions.parse(new String[] {"--no-api-key"}, Map.of()).apiKeys().disabled()).isTrue();
    assertThatThrownBy(() -> SandboxServerOptions.parse(new String[] {"--no-api-key"}, Map.of(SandboxServerOptions.KEY_VARIABLE, KEY)))
        .hasMessage("FATHOM_SANDBOX_API_KEY is set: unset it or drop --no-api-key");
    assertThatThrownBy(() -> SandboxServerOptions.parse(new String[] {"--api-key", "short"}, Map.of()))
        .hasMessageStartingWith("--api-key: an API key must have 16 to 512 characters");
  }

  @Test
  void limitsAreReadWithUnitsAndClipTheDefaults() {
    SandboxServerOptions options = SandboxServerOptions.parse(new String[] {"--no-api-key", "--max-memory", "256m",
        "--max-timeout=10s", "--idle-timeout", "0", "--max-cpus", "0.5", "--max-output-bytes", "1k"}, Map.of());
    assertThat(options.ceiling().memoryBytes()).isEqualTo(256L << 20);
    assertThat(options.ceiling().wallTimeout()).isEqualTo(Duration.ofSeconds(10));
    assertThat(options.idleTimeout()).isZero();
    assertThat(options.defaultLimits().memoryBytes()).isEqualTo(256L << 20);
    assertThat(options.defaultLimits().cpuQuota()).isEqualTo(0.5);
    assertThat(options.defaultLimits().outputCapBytes()).isEqualTo(1024);
  }

  @Test
  void badValuesNameTheOptionAndItsBound() {
    assertThatThrownBy(() -> SandboxServerOptions.parse(new String[] {"--port", "-1"}, Map.of()))
        .hasMessage("--port must be in 0..65535, got -1");
    assertThatThrownBy(() -> SandboxServerOptions.parse(new String[] {"--max-pids", "2"}, Map.of()))
        .hasMessage("--max-pids must be in 8..4194304, got 2");
    assertThatThrownBy(() -> SandboxServerOptions.parse(new String[] {"--max-output-bytes", "3g"}, Map.of()))
        .hasMessage("--max-output-bytes must be in 1..2147483647 bytes, got '3g'");
    assertThatThrownBy(() -> SandboxServerOptions.parse(new String[] {"--max-timeout", "0s"}, Map.of()))
        .hasMessage("--max-timeout must be positive, got '0s'");
    assertThatThrownBy(() -> SandboxServerOptions.parse(new String[] {"--max-cpus", "2000"}, Map.of()))
        .hasMessage("--max-cpus must be in (0, 1024.0], got 2000");
    assertThatThrownBy(() -> SandboxServerOptions.parse(new String[] {"--nope", "1"}, Map.of()))
        .hasMessage("unknown option --nope");
    assertThatThrownBy(() -> SandboxServerOptions.parse(new String[] {"--help"}, Map.of())).isInstanceOf(HelpRequested.class);
  }
}
