package io.fathom.orchestrator.model;

import io.fathom.protocol.openai.Usage;

/**
 * What a token-prompt server generated in one round: the ids exactly (the stop id included when
 * the server returns it), the finish reason and usage.
 */
public record TokenReply(int[] tokenIds, String finishReason, Usage usage, long durationMs, String server) {}
