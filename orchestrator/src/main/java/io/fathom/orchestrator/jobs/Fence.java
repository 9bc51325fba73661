package io.fathom.orchestrator.jobs;

/** The condition under which a commit may change a job: it fails when the job moved on. */
public sealed interface Fence {

  /** This replica still holds the job's lease and the job is running. */
  record Lease(String owner) implements Fence {}

  /** The job is still in {@code status} (for changes made without a lease, e.g. a cancel). */
  record InStatus(JobStatus status) implements Fence {}
}
