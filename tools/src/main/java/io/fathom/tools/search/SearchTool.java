package io.fathom.tools.search;

import io.fathom.tools.Tool;
import io.fathom.tools.ToolContext;
import io.fathom.tools.ToolOutputLimiter;
import io.fathom.tools.ToolResult;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code search}: runs one query, or up to {@value #MAX_QUERIES} at once as deep-search agents
 * send them, against a {@link SearchBackend}: the tenant's corpora (BM25 with highlighted snippets;
 * hits are {@code corpus://} ids that {@code visit} opens), or the web through SearXNG or Brave.
 * Arguments: {@code {"query": string}} or {@code {"queries": [string, ...]}}, each at most {@value
 * #MAX_QUERY_CHARS} characters; for corpora an optional {@code "corpus"}; an optional {@code
 * "top_k"} from 1 to {@value #MAX_TOP_K} (default {@value #DEFAULT_TOP_K}). The text lists, per
 * query, numbered hits with title, id and snippets, cut to {@link SearchSettings#maxOutputChars()}
 * with a note. A query that fails is reported in place; when all fail the call is a {@link
 * ToolResult.Failure}, as are bad arguments (naming the field and the limit). Idempotent: it only
 * reads.
 */
public final class SearchTool implements Tool, AutoCloseable {

  public static final String NAME = "search";
  public static final int MAX_QUERIES = 10;
  public static final int MAX_QUERY_CHARS = 500;
  public static final int MAX_TOP_K = 20;
  public static final int DEFAULT_TOP_K = 5;

  private static final int CONCURRENCY = 4;
  private static final Set<String> CORPUS_ARGUMENTS = Set.of("query", "queries", "corpus", "top_k");
  private static final Set<String> WEB_ARGUMENTS = Set.of("query", "queries", "top_k");

  private final SearchBackend backend;
  private final SearchSettings settings;
  private final ToolOutputLimiter limiter;
  private final JsonNode parameters;

  /**
   * A tool on the backend {@code settings} names; closing the tool closes that backend.
   *
   * @param store the corpora, for {@link SearchSettings.Backend#CORPUS}; may be {@code null} for
   *     web search. The store is not closed by the tool.
   */
  public SearchTool(SearchSettings settings, CorpusStore store) {
    this(settings.createBackend(store), settings);
  }

  /** A tool on a given backend (closing the tool closes it); {@code settings} gives the default corpus and output budget. */
  public SearchTool(SearchBackend backend, SearchSettings settings) {
    this.backend = backend;
    this.settings = settings;
    this.limiter = new ToolOutputLimiter(settings.maxOutputChars());
    this.parameters = JsonMapper.builder().build().readTree(schema(backend.local()));
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public String description() {
    String limits = " Give one query, or up to " + MAX_QUERIES + " different queries at once in \"queries\" (each at"
        + " most " + MAX_QUERY_CHARS + " characters); \"top_k\" hits per query (1-" + MAX_TOP_K + ", default "
        + DEFAULT_TOP_K + ").";
    if (backend.local()) {
      return "Search the user's own documents (their corpora) by keywords, ranked by BM25. Returns numbered hits"
          + " per query with title, corpus:// id and matching snippets; read a whole document with visit and its"
          + " id. Use \"quotes\" for phrases, + to require a word, - to exclude one." + limits
          + " \"corpus\" limits the search to one corpus"
          + (settings.defaultCorpus() == null ? " (default: all of them)." : " (default: " + settings.defaultCorpus()
              + ").");
    }
    return "Search the web. Returns numbered results per query with title, URL and a snippet; read a page with"
        + " visit and its URL." + limits;
  }

  @Override
  public JsonNode parameters() {
    return parameters;
  }

  @Override
  public boolean idempotent() {
    return true;
  }

  @Override
  public Mono<ToolResult> call(JsonNode arguments, ToolContext context) {
    return Mono.defer(() -> {
          Arguments args = Arguments.parse(arguments, backend.local());
          String tenant = context == null ? null : context.tenant();
          if (backend.local() && !CorpusNames.valid(tenant)) {
            throw new SearchException("no_tenant", "the call has no valid tenant, so there are no corpora to search");
          }
          String corpus = args.corpus() != null ? args.corpus() : settings.defaultCorpus();
          return Flux.fromIterable(args.queries())
              .flatMapSequential(
                  query -> backend
                      .search(new SearchRequest(tenant, query, corpus, args.topK()))
                      .map(Outcome::found)
                      .onErrorResume(e -> Mono.just(Outcome.failed(query, e))),
                  CONCURRENCY)
              .collectList()
              .map(outcomes -> render(outcomes, corpus, args.topK()));
        })
        .onErrorResume(e -> Mono.just(failure(e)));
  }

  private ToolResult render(List<Outcome> outcomes, String corpus, int topK) {
    List<Outcome> failed = outcomes.stream().filter(o -> o.error() != null).toList();
    if (failed.size() == outcomes.size()) {
      SearchException first = failed.getFirst().error();
      String message = outcomes.size() == 1
          ? first.getMessage()
          : "all " + outcomes.size() + " queries failed; the first: " + first.getMessage();
      return ToolResult.failure(first.code(), message);
    }
    StringBuilder b = new StringBuilder();
    b.append(backend.local()
        ? "Searched " + (corpus == null ? "all corpora" : "corpus '" + corpus + "'")
        : "Searched the web (" + backend.name() + ")");
    b.append(", top ").append(topK).append(" per query.\n");
    int hits = 0;
    int number = 0;
    for (Outcome outcome : outcomes) {
      number++;
      b.append('\n');
      if (outcomes.size() > 1) {
        b.append("Query ").append(number).append(": ");
      } else {
        b.append("Query: ");
      }
      b.append('"').append(outcome.query()).append("\"\n");
      if (outcome.error() != null) {
        b.append("Error (").append(outcome.error().code()).append("): ").append(outcome.error().getMessage())
            .append('\n');
        continue;
      }
      SearchResults results = outcome.results();
      if (results.hits().isEmpty()) {
        b.append("(no results)\n");
        continue;
      }
      int rank = 0;
      for (SearchHit hit : results.hits()) {
        hits++;
        b.append(++rank).append(". ").append(hit.title().isBlank() ? "(untitled)" : oneLine(hit.title())).append('\n');
        b.append("   ").append(backend.local() ? "id: " : "url: ").append(hit.id());
        if (hit.score() != null) {
          b.append(String.format(Locale.ROOT, " (score %.2f)", hit.score()));
        }
        b.append('\n');
        for (String snippet : hit.snippets()) {
          b.append("   > ").append(oneLine(snippet)).append('\n');
        }
      }
      if (results.totalHits() > results.hits().size()) {
        b.append("(").append(results.hits().size()).append(" of ").append(results.totalHits())
            .append(" matching documents shown)\n");
      }
    }
    if (backend.local() && hits > 0) {
      b.append("\nRead a whole document with visit and its corpus:// id.\n");
    }
    Map<String, Object> metadata = new LinkedHashMap<>();
    metadata.put("backend", backend.name());
    metadata.put("queries", outcomes.size());
    metadata.put("failed_queries", failed.size());
    metadata.put("hits", hits);
    return new ToolResult.Success(limiter.limit(b.toString()), metadata);
  }

  private static String oneLine(String text) {
    return text.replaceAll("\\s+", " ").strip();
  }

  private static ToolResult.Failure failure(Throwable e) {
    if (e instanceof SearchException search) {
      return ToolResult.failure(search.code(), search.getMessage());
    }
    return ToolResult.failure("search_failed", "the search failed: " + e);
  }

  private static String schema(boolean local) {
    String query = "{\"type\": \"string\", \"minLength\": 1, \"maxLength\": " + MAX_QUERY_CHARS + "}";
    return "{\"type\": \"object\", \"properties\": {"
        + "\"query\": {\"type\": \"string\", \"minLength\": 1, \"maxLength\": " + MAX_QUERY_CHARS
        + ", \"description\": \"What to search for (at most " + MAX_QUERY_CHARS + " characters)\"},"
        + " \"queries\": {\"type\": \"array\", \"items\": " + query + ", \"minItems\": 1, \"maxItems\": "
        + MAX_QUERIES + ", \"description\": \"Several queries at once (1 to " + MAX_QUERIES
        + "), instead of query\"},"
        + (local
            ? " \"corpus\": {\"type\": \"string\", \"description\": \"Search only this corpus (default: all)\"},"
            : "")
        + " \"top_k\": {\"type\": \"integer\", \"minimum\": 1, \"maximum\": " + MAX_TOP_K
        + ", \"description\": \"Hits per query, default " + DEFAULT_TOP_K + "\"}},"
        + " \"additionalProperties\": false}";
  }

  /** Closes the backend's connections. */
  @Override
  public void close() {
    backend.close();
  }

  /** One query's hits, or why it failed. */
  private record Outcome(String query, SearchResults results, SearchException error) {

    static Outcome found(SearchResults results) {
      return new Outcome(results.query(), results, null);
    }

    static Outcome failed(String query, Throwable e) {
      SearchException error = e instanceof SearchException search
          ? search
          : new SearchException("search_failed", "the search failed: " + e);
      return new Outcome(query, null, error);
    }
  }

  /** The call's arguments, checked. */
  private record Arguments(List<String> queries, String corpus, int topK) {

    static Arguments parse(JsonNode arguments, boolean local) {
      if (arguments == null || !arguments.isObject()) {
        throw invalid("the arguments must be an object with \"query\" or \"queries\"");
      }
      Set<String> known = local ? CORPUS_ARGUMENTS : WEB_ARGUMENTS;
      for (Iterator<String> names = arguments.propertyNames().iterator(); names.hasNext(); ) {
        String name = names.next();
        if (!known.contains(name)) {
          throw invalid("unknown argument \"" + name + "\"; the arguments are "
              + (local ? "query, queries, corpus and top_k" : "query, queries and top_k"));
        }
      }
      JsonNode query = present(arguments.get("query"));
      JsonNode queries = present(arguments.get("queries"));
      if (query != null && queries != null) {
        throw invalid("give either \"query\" or \"queries\", not both");
      }
      List<String> all = new ArrayList<>();
      if (query != null) {
        all.add(queryText("query", query));
      } else if (queries != null) {
        if (!queries.isArray() || queries.isEmpty() || queries.size() > MAX_QUERIES) {
          throw invalid("\"queries\" must be an array of 1 to " + MAX_QUERIES + " strings"
              + (queries.isArray() ? ", had " + queries.size() : ""));
        }
        for (int i = 0; i < queries.size(); i++) {
          all.add(queryText("queries[" + i + "]", queries.get(i)));
        }
      } else {
        throw invalid("\"query\" (a string) or \"queries\" (an array of strings) is required");
      }
      String corpus = null;
      JsonNode corpusNode = present(arguments.get("corpus"));
      if (corpusNode != null) {
        if (!corpusNode.isString() || !CorpusNames.valid(corpusNode.asString())) {
          throw invalid("\"corpus\" must be a corpus name: 1 to 64 characters of A-Z, a-z, 0-9, '_', '.' and '-'");
        }
        corpus = corpusNode.asString();
      }
      int topK = DEFAULT_TOP_K;
      JsonNode topKNode = present(arguments.get("top_k"));
      if (topKNode != null) {
        if (!topKNode.isNumber() || !topKNode.canConvertToExactIntegral() || !topKNode.canConvertToInt()
            || topKNode.asInt() < 1 || topKNode.asInt() > MAX_TOP_K) {
          throw invalid("\"top_k\" must be an integer from 1 to " + MAX_TOP_K + ", was " + topKNode);
        }
        topK = topKNode.asInt();
      }
      return new Arguments(List.copyOf(all), corpus, topK);
    }

    private static String queryText(String field, JsonNode node) {
      if (!node.isString() || node.asString().isBlank()) {
        throw invalid("\"" + field + "\" must be a non-empty string");
      }
      String text = node.asString().strip();
      if (text.length() > MAX_QUERY_CHARS) {
        throw invalid("\"" + field + "\" is " + text.length() + " characters long; the limit is " + MAX_QUERY_CHARS);
      }
      return text;
    }

    private static JsonNode present(JsonNode node) {
      return node == null || node.isNull() ? null : node;
    }

    private static SearchException invalid(String message) {
      return new SearchException("invalid_arguments", message);
    }
  }
}
