/**
 * The built-in {@code search} tool and the user's own corpora it searches: a {@link
 * io.fathom.tools.search.CorpusStore} keeps one embedded Lucene index per tenant and corpus, ingests
 * text, Markdown, HTML, PDF and archives of them, and answers BM25 queries with highlighted
 * snippets. The same tool can search the web instead, through SearXNG or the Brave Search API
 * ({@link io.fathom.tools.search.SearchSettings} chooses).
 */
package io.fathom.tools.search;
