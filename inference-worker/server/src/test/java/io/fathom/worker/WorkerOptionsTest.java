package io.fathom.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fathom.common.cli.HelpRequested;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The worker's command line: defaults, spellings, and errors that name the option and its bound. */
class WorkerOptionsTest {

  private static WorkerOptions parse(String... args) {
    String[] all = new String[args.length + 3];
    all[0] = "--dummy";
    all[1] = "tiny";
    all[2] = "--no-api-key";
    System.arraycopy(args, 0, all, 3, args.length);
    return WorkerOptions.parse(all, Map.of());
  }

  @Test
  void defaultsAndBothSpellingsOfAValue() {
    WorkerOptions defaults = parse();
    assertThat(defaults.port()).isEqualTo(8000);
    assertThat(defaults.maxRequestBytes()).isEqualTo(64L << 20);
    assertThat(defaults.sessionTtl()).isEqualTo(Duration.ofMinutes(10));
    WorkerOptions set = parse("--port=0", "--threads", "3", "--max-request-bytes", "512k", "--session-ttl", "0",
        "--kv-cache-tokens", "8192", "--seed", "-7");
    assertThat(set.port()).isZero();
    assertThat(set.threads()).isEqualTo(3);
    assertThat(set.maxRequestBytes()).isEqualTo(512 * 1024);
    assertThat(set.sessionTtl()).isZero();
    assertThat(set.kvCacheTokens()).isEqualTo(8192);
    assertThat(set.dummySeed()).isEqualTo(-7);
  }

  @Test
  void outOfRangeValuesNameTheOptionAndItsBound() {
    assertThatThrownBy(() -> parse("--port", "70000")).hasMessage("--port must be in 0..65535, got 70000");
    assertThatThrownBy(() -> parse("--threads", "0")).hasMessage("--threads must be in 1..1024, got 0");
    assertThatThrownBy(() -> parse("--block-size", "0")).hasMessage("--block-size must be in 1..4096, got 0");
    assertThatThrownBy(() -> parse("--max-running", "-1")).hasMessage("--max-running must be in 1..65536, got -1");
    assertThatThrownBy(() -> parse("--max-tokens-per-step", "x"))
        .hasMessage("--max-tokens-per-step must be an integer, got 'x'");
    assertThatThrownBy(() -> parse("--kv-cache-tokens", "-5")).hasMessageStartingWith("--kv-cache-tokens must be in 0..");
    assertThatThrownBy(() -> parse("--max-request-bytes", "100"))
        .hasMessage("--max-request-bytes must be in 1024..2147483647 bytes, got '100'");
    assertThatThrownBy(() -> parse("--max-request-bytes", "4g")).hasMessageContaining("got '4g'");
    assertThatThrownBy(() -> parse("--session-ttl", "-1m")).hasMessage("--session-ttl must be zero or more, got '-1m'");
    assertThatThrownBy(() -> parse("--chat-template", "jinja")).hasMessage("--chat-template must be builtin or model, got 'jinja'");
    assertThatThrownBy(() -> parse("--bogus", "1")).hasMessage("unknown option --bogus");
    assertThatThrownBy(() -> parse("--port")).hasMessage("--port needs a value");
    assertThatThrownBy(() -> parse("stray")).hasMessageContaining("got 'stray'");
    assertThatThrownBy(() -> WorkerOptions.dummy("tiny", java.nio.file.Path.of("/tmp")).withPort(-2))
        .hasMessage("--port must be in 0..65535, got -2");
  }

  @Test
  void helpIsNotAnError() {
    assertThatThrownBy(() -> parse("--help")).isInstanceOf(HelpRequested.class);
    assertThatThrownBy(() -> WorkerOptions.parse(new String[] {"-h"}, Map.of())).isInstanceOf(HelpRequested.class);
  }
}
