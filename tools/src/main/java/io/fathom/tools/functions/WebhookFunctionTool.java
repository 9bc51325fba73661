package io.fathom.tools.functions;

import io.fathom.tools.Tool;
import io.fathom.tools.ToolContext;
import io.fathom.tools.ToolResult;
import reactor.core.publisher.Mono;
import tools.jackson.databind.JsonNode;

/** A user-defined function offered to the model as a tool, answered by its webhook. */
public record WebhookFunctionTool(String tenant, FunctionDefinition function, WebhookInvoker invoker)
    implements Tool {

  @Override
  public String name() {
    return function.name();
  }

  @Override
  public String description() {
    return function.description();
  }

  @Override
  public JsonNode parameters() {
    return function.parameters();
  }

  /**
   * Webhooks may have side effects unless their definition says otherwise: a call in flight at a
   * crash is then reported, not repeated.
   */
  @Override
  public boolean idempotent() {
    return function.idempotent();
  }

  @Override
  public Mono<ToolResult> call(JsonNode arguments, ToolContext context) {
    return invoker.invoke(tenant, function, arguments, context);
  }
}
