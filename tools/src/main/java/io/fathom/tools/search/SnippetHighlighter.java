package io.fathom.tools.search;

import java.io.IOException;
import java.text.BreakIterator;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.lucene.analysis.Analyzer;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.uhighlight.LengthGoalBreakIterator;
import org.apache.lucene.search.uhighlight.Passage;
import org.apache.lucene.search.uhighlight.PassageFormatter;
import org.apache.lucene.search.uhighlight.UnifiedHighlighter;

/**
 * Snippets of the body for search hits, by Lucene's {@link UnifiedHighlighter} on the offsets
 * indexed with the body: up to {@code maxSnippets} passages of about {@code snippetChars}
 * characters, in text order, query terms marked {@code **like this**}, whitespace collapsed, an
 * ellipsis where the text goes on. A hit that matched only in its title gets the body's beginning.
 */
final class SnippetHighlighter extends UnifiedHighlighter {

  private static final String[] FIELDS = {CorpusIndex.BODY};

  private final int maxSnippets;

  SnippetHighlighter(IndexSearcher searcher, Analyzer analyzer, int maxSnippets, int snippetChars) {
    super(
        UnifiedHighlighter.builder(searcher, analyzer)
            .withMaxLength(Integer.MAX_VALUE - 1)
            .withBreakIterator(() -> LengthGoalBreakIterator.createClosestToLength(
                BreakIterator.getWordInstance(Locale.ROOT), snippetChars, 0.5f))
            .withFormatter(new Snippets(snippetChars))
            .withMaxNoHighlightPassages(1));
    this.maxSnippets = maxSnippets;
  }

  /** The snippets of each document, in the order of {@code docIds}. */
  @SuppressWarnings("unchecked")
  List<List<String>> snippets(Query query, int[] docIds) throws IOException {
    int[] passages = {maxSnippets};
    Map<String, Object[]> found = highlightFieldsAsObjects(FIELDS, query, docIds, passages);
    Object[] perDocument = found.get(CorpusIndex.BODY);
    List<List<String>> snippets = new ArrayList<>(docIds.length);
    for (int i = 0; i < docIds.length; i++) {
      Object value = perDocument == null ? null : perDocument[i];
      snippets.add(value == null ? List.of() : (List<String>) value);
    }
    return snippets;
  }

  /** Formats passages as a list of marked-up, single-line snippets. */
  private static final class Snippets extends PassageFormatter {

    private final int snippetChars;

    Snippets(int snippetChars) {
      this.snippetChars = snippetChars;
    }

    @Override
    public Object format(Passage[] passages, String content) {
      List<String> snippets = new ArrayList<>(passages.length);
      for (Passage passage : passages) {
        snippets.add(format(passage, content));
      }
      return snippets;
    }

    private String format(Passage passage, String content) {
      int start = passage.getStartOffset();
      int end = passage.getEndOffset();
      // A passage far longer than asked (no word breaks nearby) is cut around its first match.
      int limit = snippetChars * 3 / 2;
      if (end - start > limit) {
        int center = passage.getNumMatches() > 0 ? passage.getMatchStarts()[0] : start;
        start = Math.max(start, Math.min(center - snippetChars / 2, end - limit));
        end = Math.min(end, start + limit);
      }
      StringBuilder out = new StringBuilder(end - start + 16);
      if (start > 0) {
        out.append('…');
      }
      int at = start;
      for (int i = 0; i < passage.getNumMatches(); i++) {
        int matchStart = Math.max(passage.getMatchStarts()[i], at);
        int matchEnd = Math.min(passage.getMatchEnds()[i], end);
        if (matchStart >= matchEnd) {
          continue;
        }
        out.append(content, at, matchStart).append("**").append(content, matchStart, matchEnd).append("**");
        at = matchEnd;
      }
      out.append(content, at, end);
      if (end < content.length()) {
        out.append('…');
      }
      return out.toString().replaceAll("\\s+", " ").strip();
    }
  }
}
