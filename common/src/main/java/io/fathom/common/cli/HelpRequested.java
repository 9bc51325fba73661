package io.fathom.common.cli;

import java.io.Serial;

/** {@code --help} or {@code -h} on a command line: the caller prints its usage and exits 0. */
public final class HelpRequested extends IllegalArgumentException {

  @Serial private static final long serialVersionUID = 1L;

  public HelpRequested() {
    super("help requested");
  }
}
