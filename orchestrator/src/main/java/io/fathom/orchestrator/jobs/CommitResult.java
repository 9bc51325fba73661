package io.fathom.orchestrator.jobs;

/** A successful commit: the job's newest seq, and whether a cancel has been requested. */
public record CommitResult(long lastSeq, boolean cancelRequested) {}
