package io.fathom.orchestrator.model;

import io.fathom.protocol.openai.ToolCall;
import io.fathom.protocol.openai.Usage;
import java.util.List;

/** What the model answered in one round. */
public record ModelReply(
    String content,
    String reasoning,
    List<ToolCall> toolCalls,
    String finishReason,
    Usage usage,
    long durationMs,
    String server) {}
