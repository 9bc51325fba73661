package io.fathom.orchestrator.context;

import io.fathom.protocol.openai.ChatMessage;
import io.fathom.protocol.openai.ToolSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * What a job's {@link Segment.Prompt} is rendered from, kept by the ledger for the chat-messages view.
 *
 * @param systemPrompt the caller's system text, or null for the template's default
 * @param tools the tools offered to the model, in order; empty for none
 * @param task the user task
 */
public record LedgerPrompt(String systemPrompt, List<ToolSpec> tools, String task) {

  public LedgerPrompt {
    tools = tools == null ? List.of() : List.copyOf(tools);
    Objects.requireNonNull(task, "task");
  }

  /** The opening messages: the system message (only when the caller gave one) and the user task. */
  public List<ChatMessage> messages() {
    List<ChatMessage> messages = new ArrayList<>(2);
    if (systemPrompt != null) {
      messages.add(ChatMessage.system(systemPrompt));
    }
    messages.add(ChatMessage.user(task));
    return messages;
  }
}
