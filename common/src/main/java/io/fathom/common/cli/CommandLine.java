package io.fathom.common.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * A command line cut into options: {@code --flag value}, {@code --flag=value}, or a switch ({@code --flag} alone,
 * for the flags a caller names). The caller then reads each option's value with {@link OptionValues}, so every
 * error names the flag.
 */
public final class CommandLine {

  /** One option as given: its flag (with the dashes) and its value, null for a switch. */
  public record Option(String flag, String value) {}

  private CommandLine() {}

  /**
   * The options of {@code args}, in order.
   *
   * @param switches the flags that take no value
   * @throws HelpRequested on {@code --help} or {@code -h}
   * @throws IllegalArgumentException on a stray argument, a flag without its value, or a switch given a value
   */
  public static List<Option> parse(String[] args, Set<String> switches) {
    List<Option> options = new ArrayList<>();
    for (int i = 0; i < args.length; i++) {
      String flag = args[i];
      if (flag.equals("--help") || flag.equals("-h")) {
        throw new HelpRequested();
      }
      if (!flag.startsWith("--") || flag.length() == 2) {
        throw new IllegalArgumentException("expected an option such as --port 8000, got '" + flag + "'");
      }
      String value = null;
      int eq = flag.indexOf('=');
      if (eq > 0) {
        value = flag.substring(eq + 1);
        flag = flag.substring(0, eq);
      }
      if (switches.contains(flag)) {
        if (value != null) {
          throw new IllegalArgumentException(flag + " takes no value");
        }
        options.add(new Option(flag, null));
        continue;
      }
      if (value == null) {
        if (i + 1 >= args.length) {
          throw new IllegalArgumentException(flag + " needs a value");
        }
        value = args[++i];
      }
      options.add(new Option(flag, value));
    }
    return options;
  }
}
