package io.fathom.common.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fathom.common.cli.CommandLine.Option;
import java.util.Set;
import org.junit.jupiter.api.Test;

class CommandLineTest {

  private static final Set<String> SWITCHES = Set.of("--no-api-key");

  @Test
  void optionsKeepTheirOrderInEitherSpelling() {
    assertThat(CommandLine.parse(new String[] {"--port", "80", "--no-api-key", "--host=::1", "--api-key=a=b", "--x", "--y"}, SWITCHES))
        .containsExactly(
            new Option("--port", "80"), new Option("--no-api-key", null), new Option("--host", "::1"),
            new Option("--api-key", "a=b"), new Option("--x", "--y"));
    assertThat(CommandLine.parse(new String[0], SWITCHES)).isEmpty();
  }

  @Test
  void helpIsItsOwnOutcome() {
    assertThatThrownBy(() -> CommandLine.parse(new String[] {"--port", "1", "--help"}, SWITCHES)).isInstanceOf(HelpRequested.class);
    assertThatThrownBy(() -> CommandLine.parse(new String[] {"-h"}, SWITCHES)).isInstanceOf(HelpRequested.class);
  }

  @Test
  void malformedCommandLinesSayWhatIsWrong() {
    assertThatThrownBy(() -> CommandLine.parse(new String[] {"--port"}, SWITCHES)).hasMessage("--port needs a value");
    assertThatThrownBy(() -> CommandLine.parse(new String[] {"--no-api-key=yes"}, SWITCHES))
        .hasMessage("--no-api-key takes no value");
    assertThatThrownBy(() -> CommandLine.parse(new String[] {"8000"}, SWITCHES))
        .hasMessage("expected an option such as --port 8000, got '8000'");
    assertThatThrownBy(() -> CommandLine.parse(new String[] {"--"}, SWITCHES)).hasMessageContaining("got '--'");
    assertThatThrownBy(() -> CommandLine.parse(new String[] {"-p", "1"}, SWITCHES)).hasMessageContaining("got '-p'");
  }
}
