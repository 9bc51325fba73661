package io.fathom.api.jobs;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.fathom.orchestrator.jobs.Job;
import io.fathom.orchestrator.jobs.JobError;
import io.fathom.orchestrator.jobs.TokenUsage;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import tools.jackson.databind.JsonNode;

/** A job as the API shows it. */
@JsonInclude(JsonInclude.Include.ALWAYS)
public record JobView(
    UUID id,
    String status,
    String task,
    int rounds,
    int maxRounds,
    String answer,
    JobError error,
    TokenUsage usage,
    JsonNode metadata,
    boolean cancelRequested,
    Instant createdAt,
    Instant startedAt,
    Instant finishedAt,
    Map<String, String> links) {

  public static JobView of(Job job) {
    String self = "/v1/jobs/" + job.id();
    return new JobView(
        job.id(),
        job.status().wire(),
        job.spec().task(),
        job.rounds(),
        job.spec().maxRounds(),
        job.answer(),
        job.error(),
        job.usage(),
        job.spec().metadata(),
        job.cancelRequested(),
        job.createdAt(),
        job.startedAt(),
        job.finishedAt(),
        Map.of(
            "self", self,
            "events", self + "/events",
            "trajectory", self + "/trajectory",
            "cancel", self + "/cancel"));
  }
}
