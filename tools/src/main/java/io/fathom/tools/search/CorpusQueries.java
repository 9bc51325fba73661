package io.fathom.tools.search;

import java.util.Map;
import org.apache.lucene.analysis.Analyzer;
import org.apache.lucene.queryparser.simple.SimpleQueryParser;
import org.apache.lucene.search.MatchNoDocsQuery;
import org.apache.lucene.search.Query;

/**
 * Turns the model's text into a Lucene query over title (boosted) and body with Lucene's {@link
 * SimpleQueryParser}, which never throws on syntax: words are OR-ed (BM25 ranks documents with more
 * and rarer ones first), {@code "quoted phrases"}, {@code +} (and), {@code |} (or), {@code -}
 * (not), parentheses and {@code \} escapes work, and everything else is a plain word. Prefix and
 * fuzzy operators are off, so a query cannot expand to many terms.
 */
final class CorpusQueries {

  static final float TITLE_BOOST = 2.0f;

  private static final int FLAGS =
      SimpleQueryParser.AND_OPERATOR | SimpleQueryParser.OR_OPERATOR | SimpleQueryParser.NOT_OPERATOR
          | SimpleQueryParser.PHRASE_OPERATOR | SimpleQueryParser.PRECEDENCE_OPERATORS
          | SimpleQueryParser.ESCAPE_OPERATOR | SimpleQueryParser.WHITESPACE_OPERATOR;

  private final Analyzer analyzer;

  CorpusQueries(Analyzer analyzer) {
    this.analyzer = analyzer;
  }

  /** The query for {@code text}; one that matches nothing when no word of it is indexed (e.g. only stop words). */
  Query parse(String text) {
    SimpleQueryParser parser =
        new SimpleQueryParser(analyzer, Map.of(CorpusIndex.TITLE, TITLE_BOOST, CorpusIndex.BODY, 1.0f), FLAGS);
    Query query = parser.parse(text);
    return query == null ? new MatchNoDocsQuery("no searchable words") : query;
  }
}
