package io.fathom.tools.search;

import java.util.List;

/**
 * The hits of one query, best first.
 *
 * @param query the query as asked
 * @param hits at most the requested number
 * @param totalHits how many matched in all, or -1 when the backend does not say
 */
public record SearchResults(String query, List<SearchHit> hits, long totalHits) {

  public SearchResults {
    hits = List.copyOf(hits);
  }
}
