package io.fathom.orchestrator.jobs;

/** Tokens a job has used so far. */
public record TokenUsage(long promptTokens, long completionTokens) {}
