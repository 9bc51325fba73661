package io.fathom.orchestrator.jobs;

/** What a cancel request did. */
public sealed interface CancelOutcome {
  /** The job was queued and is now cancelled; it never starts. */
  record Cancelled(Job job) implements CancelOutcome {}

  /** The job is running; its runner stops it at the next safe point. */
  record Requested(Job job) implements CancelOutcome {}

  /** The job had already finished. */
  record AlreadyFinished(Job job) implements CancelOutcome {}

  /** No such job for this tenant. */
  record NotFound() implements CancelOutcome {}
}
