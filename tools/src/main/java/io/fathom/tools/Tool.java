package io.fathom.tools;

import reactor.core.publisher.Mono;
import tools.jackson.databind.JsonNode;

/**
 * A tool the model may call. Implementations are non-blocking: {@link #call} returns a {@link Mono}
 * that must not block a Reactor thread. Arguments have already been validated against {@link
 * #parameters()} when {@code call} runs.
 */
public interface Tool {

  /** The name the model calls, {@code ^[A-Za-z0-9_-]{1,64}$}. */
  String name();

  /** What the tool does, shown to the model. */
  String description();

  /** A JSON Schema (an object schema) for the arguments. */
  JsonNode parameters();

  /**
   * Whether running the call twice has the same effect as running it once. A call that was in
   * flight when its orchestrator died is re-run only when this is true.
   */
  boolean idempotent();

  /** Runs the call. Failures are returned as {@link ToolResult.Failure}, not as error signals. */
  Mono<ToolResult> call(JsonNode arguments, ToolContext context);
}
