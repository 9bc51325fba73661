/**
 * Prompt rendering for chat models: {@link io.fathom.protocol.template.NanbeigeChatRenderer}, the built-in
 * Nanbeige4.1-3B (Qwen3-style ChatML) format for the hot path, with the suffixes a tool loop appends; and
 * {@link io.fathom.protocol.template.JinjaChatTemplate}, a model's own Hugging Face {@code chat_template}
 * rendered with Jinjava set up like transformers (the authority when a model dir is configured). Both take the
 * OpenAI wire records of {@link io.fathom.protocol.openai}. {@link io.fathom.protocol.template.PyJson} writes
 * JSON exactly like Python's {@code json.dumps}, as templates' {@code tojson} does.
 */
package io.fathom.protocol.template;
