package io.fathom.api.jobs;

import java.util.List;

/** A page of jobs; pass {@code next_cursor} as {@code cursor} for the next page. */
public record JobListView(List<JobView> data, String nextCursor) {}
