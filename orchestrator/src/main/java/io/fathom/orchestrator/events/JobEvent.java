package io.fathom.orchestrator.events;

import java.time.Instant;
import java.util.UUID;

/** A stored event: the job's {@code seq}-th, with its data as JSON text. */
public record JobEvent(UUID jobId, long seq, EventType type, String json, Instant createdAt) {}
