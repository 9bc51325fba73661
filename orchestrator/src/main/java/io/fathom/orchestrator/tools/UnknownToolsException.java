package io.fathom.orchestrator.tools;

import java.util.List;

/** A submission named tools that do not exist for its tenant. */
public class UnknownToolsException extends IllegalArgumentException {
  private final List<Integer> indexes;
  private final List<String> names;

  public UnknownToolsException(List<Integer> indexes, List<String> names) {
    super("unknown tool" + (names.size() > 1 ? "s " : " ") + String.join(", ", names.stream().map(n -> "'" + n + "'").toList())
        + ": define it with POST /v1/functions first");
    this.indexes = List.copyOf(indexes);
    this.names = List.copyOf(names);
  }

  /** Positions in the submitted {@code tools} array. */
  public List<Integer> indexes() {
    return indexes;
  }

  public List<String> names() {
    return names;
  }
}
