package io.fathom.orchestrator.config;

import java.net.URI;
import java.nio.file.Path;
import java.util.Locale;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Where the {@code search} tool looks and where corpora live.
 *
 * @param backend {@code corpus} (the tenant's own Lucene corpora, the default), {@code searxng} or {@code brave}
 * @param corpusDir where corpora are kept; blank for {@code <data dir>/corpora}. In a cluster, every replica
 *     must see the same directory (a shared volume), and only one replica ingests into a corpus at a time
 * @param url SearXNG's root URL, or the Brave Search API URL (blank: Brave's own)
 * @param apiKey the Brave Search API subscription token
 */
@ConfigurationProperties("fathom.search")
public record SearchProperties(String backend, String corpusDir, String url, String apiKey) {

  public SearchProperties {
    backend = backend == null || backend.isBlank() ? "corpus" : backend.strip().toLowerCase(Locale.ROOT);
    if (!backend.equals("corpus") && !backend.equals("searxng") && !backend.equals("brave")) {
      throw new IllegalArgumentException("FATHOM_SEARCH_BACKEND must be corpus, searxng or brave, got '" + backend + "'");
    }
    corpusDir = corpusDir == null ? "" : corpusDir.strip();
    url = url == null ? "" : url.strip();
    apiKey = apiKey == null ? "" : apiKey.strip();
  }

  /** The corpora's directory. */
  public Path corpusRoot(Path dataDir) {
    return corpusDir.isEmpty() ? dataDir.resolve("corpora") : Path.of(corpusDir);
  }

  /** The web search URL, if one is set. */
  public URI uri() {
    return url.isEmpty() ? null : URI.create(url);
  }

  @Override
  public String toString() {
    return "SearchProperties[backend=" + backend + ", corpusDir=" + corpusDir + ", url=" + url + ", apiKey="
        + (apiKey.isEmpty() ? "" : "****") + "]";
  }
}
