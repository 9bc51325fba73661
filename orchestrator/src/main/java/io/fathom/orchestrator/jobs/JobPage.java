package io.fathom.orchestrator.jobs;

import java.util.List;

/** One page of a job listing; {@code nextCursor} is null on the last page. */
public record JobPage(List<Job> jobs, String nextCursor) {}
