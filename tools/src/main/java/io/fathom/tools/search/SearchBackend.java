package io.fathom.tools.search;

import reactor.core.publisher.Mono;

/**
 * Where the {@code search} tool looks: the tenant's corpora ({@link CorpusBackend}), a SearXNG
 * instance ({@link SearxngBackend}) or the Brave Search API ({@link BraveBackend}). Implementations
 * must not block the caller; failures are {@link SearchException} error signals.
 */
public interface SearchBackend extends AutoCloseable {

  /** A short name for the results' header, e.g. {@code corpus}, {@code searxng}, {@code brave}. */
  String name();

  /** Whether results are the tenant's own documents (so {@code corpus} arguments apply). */
  default boolean local() {
    return false;
  }

  /** The hits for one query. */
  Mono<SearchResults> search(SearchRequest request);

  /** Releases connections; the default does nothing. */
  @Override
  default void close() {}
}
