package io.fathom.tools;

import java.time.Instant;
import java.util.UUID;

/** What a tool call knows of its job. */
public record ToolContext(UUID jobId, String tenant, String callId, Instant deadline) {}
