package io.fathom.api.jobs;

import io.fathom.orchestrator.jobs.Sampling;
import java.util.List;
import tools.jackson.databind.JsonNode;

/** The body of {@code POST /v1/jobs}; checked by {@link JobRequestValidator}. */
public record JobRequest(
    String task,
    String system,
    List<String> tools,
    Integer maxRounds,
    Integer deadlineSeconds,
    Sampling sampling,
    JsonNode metadata,
    String idempotencyKey,
    String contextPolicy,
    Integer maxContextTokens,
    Long maxGeneratedTokens,
    Integer maxToolResultTokens,
    Boolean streamDeltas,
    String repository) {}
