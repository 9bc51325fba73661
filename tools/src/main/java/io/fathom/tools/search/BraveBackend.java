package io.fathom.tools.search;

import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import reactor.core.publisher.Mono;
import tools.jackson.databind.JsonNode;

/**
 * Web search through the Brave Search API: {@code GET {base}/res/v1/web/search?q=...&count=k} with
 * the {@code X-Subscription-Token} header, hits from {@code web.results[].title/url/description}
 * (descriptions' {@code <strong>} marks and entities resolved to plain text).
 */
public final class BraveBackend implements SearchBackend {

  /** The API's own base URL. */
  public static final URI DEFAULT_BASE = URI.create("https://api.search.brave.com");

  private final URI base;
  private final String apiKey;
  private final WebSearchClient client;

  /**
   * @param base {@link #DEFAULT_BASE}, or a stand-in for tests
   * @param apiKey the subscription token
   * @param timeout each request must finish within this
   * @param maxResponseBytes answers larger than this are failures
   */
  public BraveBackend(URI base, String apiKey, Duration timeout, int maxResponseBytes) {
    if (apiKey == null || apiKey.isBlank()) {
      throw new IllegalArgumentException("the Brave Search API needs an API key");
    }
    this.base = base;
    this.apiKey = apiKey;
    this.client = new WebSearchClient("Brave", timeout, maxResponseBytes);
  }

  @Override
  public String name() {
    return "brave";
  }

  @Override
  public Mono<SearchResults> search(SearchRequest request) {
    URI uri = URI.create(WebSearchClient.join(base, "/res/v1/web/search?q=")
        + URLEncoder.encode(request.query(), StandardCharsets.UTF_8) + "&count=" + request.topK());
    return client.get(uri, Map.of("X-Subscription-Token", apiKey)).map(json -> results(request, json));
  }

  private static SearchResults results(SearchRequest request, JsonNode json) {
    JsonNode web = json.get("web");
    if (web == null || web.isNull()) {
      return new SearchResults(request.query(), List.of(), 0); // Brave leaves "web" out when nothing matched
    }
    JsonNode results = web.get("results");
    if (!web.isObject() || results == null || !results.isArray()) {
      throw new SearchException("malformed_response", "Brave's answer has no web.results array");
    }
    List<SearchHit> hits = WebSearchClient.hits(request, results, "description");
    return new SearchResults(request.query(), hits, -1);
  }

  @Override
  public void close() {
    client.close();
  }
}
