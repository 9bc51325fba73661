package io.fathom.tools.search;

import java.util.List;

/**
 * One search result.
 *
 * @param id a {@code corpus://corpus/id} document id, or a web page's URL
 * @param title may be empty, never {@code null}
 * @param score the BM25 score for corpus hits; {@code null} for web results, which come ranked
 * @param snippets 0 to 3 passages of the text, query terms marked {@code **like this**}
 */
public record SearchHit(String id, String title, Double score, List<String> snippets) {

  public SearchHit {
    title = title == null ? "" : title;
    snippets = List.copyOf(snippets);
  }
}
