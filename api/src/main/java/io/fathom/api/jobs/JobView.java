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

  /** Listings show at most this much of each task and answer (a task may have 1 MiB). */
  static final int PREVIEW_CHARS = 1000;

  public static JobView of(Job job) {
    return of(job, Integer.MAX_VALUE);
  }

  /** The job with its task and answer cut to {@link #PREVIEW_CHARS}, for listings. */
  public static JobView preview(Job job) {
    return of(job, PREVIEW_CHARS);
  }

  private static JobView of(Job job, int maxChars) {
    String self = "/v1/jobs/" + job.id();
    return new JobView(
        job.id(),
        job.status().wire(),
        cut(job.spec().task(), maxChars),
        job.rounds(),
        job.spec().maxRounds(),
        cut(job.answer(), maxChars),
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

  private static String cut(String text, int maxChars) {
    if (text == null || text.length() <= maxChars) {
      return text;
    }
    int end = Character.isHighSurrogate(text.charAt(maxChars - 1)) ? maxChars - 1 : maxChars;
    return text.substring(0, end) + "…";
  }
}
