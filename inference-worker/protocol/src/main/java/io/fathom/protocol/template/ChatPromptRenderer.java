package io.fathom.protocol.template;

import io.fathom.protocol.openai.ChatMessage;
import io.fathom.protocol.openai.ToolSpec;
import java.util.List;

/**
 * Turns a conversation into the prompt text the model reads: the built-in {@link NanbeigeChatRenderer} (hot
 * path), or a model's own Hugging Face template through {@link JinjaChatTemplate} (the authority when a model
 * dir is configured).
 */
public sealed interface ChatPromptRenderer permits NanbeigeChatRenderer, JinjaChatTemplate {

  /**
   * The prompt text of a conversation.
   *
   * @param messages the conversation, oldest first; must not be empty
   * @param tools the tools offered to the model; null or empty for none
   * @param addGenerationPrompt whether to end with the opening of an assistant turn, for the model to continue
   * @param keepAllThink whether assistant turns before the last real user query keep their reasoning
   * @throws IllegalArgumentException if a message or tool lacks a field the format needs
   * @throws ChatTemplateException if a template fails to render
   */
  String render(List<ChatMessage> messages, List<ToolSpec> tools, boolean addGenerationPrompt, boolean keepAllThink);
}
