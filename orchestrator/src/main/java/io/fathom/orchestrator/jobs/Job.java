package io.fathom.orchestrator.jobs;

import java.time.Instant;
import java.util.UUID;

/** A job as stored. */
public record Job(
    UUID id,
    String tenant,
    JobStatus status,
    JobSpec spec,
    int rounds,
    String answer,
    JobError error,
    TokenUsage usage,
    long lastSeq,
    boolean cancelRequested,
    Instant createdAt,
    Instant startedAt,
    Instant finishedAt) {}
