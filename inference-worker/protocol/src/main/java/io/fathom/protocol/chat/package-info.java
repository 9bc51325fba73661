/**
 * Streaming parser for the Nanbeige4.1-3B (Qwen3-style ChatML) assistant output: splits decoded text into
 * reasoning ({@code <think>…</think>}), visible content and {@code <tool_call>} blocks, and turns every
 * malformed call into a typed {@link io.fathom.protocol.chat.ParseEvent.ParseError} that can be fed back to
 * the model as a tool error. Entry point: {@link io.fathom.protocol.chat.NanbeigeOutputParser}.
 */
package io.fathom.protocol.chat;
