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
 * Web search through a SearXNG instance's JSON API: {@code GET {base}/search?q=...&format=json},
 * hits from {@code results[].title/url/content}. The instance must allow the {@code json} format
 * ({@code search.formats} in its settings.yml).
 */
public final class SearxngBackend implements SearchBackend {

  private final URI base;
  private final WebSearchClient client;

  /**
   * @param base the instance's root URL, e.g. {@code http://searxng:8080}
   * @param timeout each request must finish within this
   * @param maxResponseBytes answers larger than this are failures
   */
  public SearxngBackend(URI base, Duration timeout, int maxResponseBytes) {
    this.base = base;
    this.client = new WebSearchClient("SearXNG", timeout, maxResponseBytes);
  }

  @Override
  public String name() {
    return "searxng";
  }

  @Override
  public Mono<SearchResults> search(SearchRequest request) {
    URI uri = URI.create(WebSearchClient.join(base, "/search?q=")
        + URLEncoder.encode(request.query(), StandardCharsets.UTF_8) + "&format=json");
    return client.get(uri, Map.of()).map(json -> results(request, json));
  }

  private static SearchResults results(SearchRequest request, JsonNode json) {
    JsonNode results = json.get("results");
    if (results == null || !results.isArray()) {
      throw new SearchException("malformed_response", "SearXNG's answer has no results array");
    }
    List<SearchHit> hits = WebSearchClient.hits(request, results, "content");
    JsonNode total = json.get("number_of_results");
    long totalHits = total != null && total.isNumber() && total.asLong() > 0 ? total.asLong() : -1;
    return new SearchResults(request.query(), hits, totalHits);
  }

  @Override
  public void close() {
    client.close();
  }
}
