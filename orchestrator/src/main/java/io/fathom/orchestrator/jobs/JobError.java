package io.fathom.orchestrator.jobs;

/** Why a job failed: a stable {@code code} and a sentence for people. */
public record JobError(String code, String message) {}
