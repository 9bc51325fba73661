package io.fathom.tools.search;

import reactor.core.publisher.Mono;

/** Searches the tenant's own corpora in a {@link CorpusStore}. */
public final class CorpusBackend implements SearchBackend {

  private final CorpusStore store;

  /** @param store the corpora; not closed by this backend */
  public CorpusBackend(CorpusStore store) {
    this.store = store;
  }

  @Override
  public String name() {
    return "corpus";
  }

  @Override
  public boolean local() {
    return true;
  }

  @Override
  public Mono<SearchResults> search(SearchRequest request) {
    return store.search(request.tenant(), request.corpus(), request.query(), request.topK());
  }
}
