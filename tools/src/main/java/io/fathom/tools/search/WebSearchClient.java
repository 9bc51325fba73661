package io.fathom.tools.search;

import io.netty.channel.ChannelOption;
import io.netty.handler.codec.http.HttpHeaderNames;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeoutException;
import org.jsoup.Jsoup;
import reactor.core.publisher.Mono;
import reactor.netty.ByteBufFlux;
import reactor.netty.http.client.HttpClient;
import reactor.netty.http.client.HttpClientResponse;
import reactor.netty.resources.ConnectionProvider;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * GETs JSON from a web search API with Reactor Netty: the whole request within the timeout, the
 * body read no further than a size cap, and every failure a {@link SearchException} naming the
 * service: {@code timeout}, {@code unreachable}, {@code http_status} (non-2xx), {@code
 * response_too_large}, {@code malformed_response}. The base URL is the operator's configuration,
 * not the model's, so it is not checked against the outbound policy. Non-blocking.
 */
final class WebSearchClient implements AutoCloseable {

  private static final String USER_AGENT = "Mozilla/5.0 (compatible; FathomSearch/0.1)";
  private static final int MAX_SNIPPET_CHARS = 400;

  private final String service;
  private final Duration timeout;
  private final int maxBytes;
  private final ConnectionProvider connections;
  private final HttpClient client;
  private final JsonMapper json = JsonMapper.builder().build();

  WebSearchClient(String service, Duration timeout, int maxBytes) {
    this.service = service;
    this.timeout = timeout;
    this.maxBytes = maxBytes;
    this.connections =
        ConnectionProvider.builder("fathom-search-" + service.toLowerCase(java.util.Locale.ROOT))
            .maxConnections(64)
            .pendingAcquireMaxCount(-1)
            .maxIdleTime(Duration.ofSeconds(20))
            .build();
    this.client =
        HttpClient.create(connections)
            .followRedirect(true)
            .compress(true)
            .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(timeout.toMillis(), 10_000))
            .responseTimeout(timeout)
            .headers(h -> h.set(HttpHeaderNames.USER_AGENT, USER_AGENT).set(HttpHeaderNames.ACCEPT, "application/json"));
  }

  /** The JSON body of a GET of {@code uri} with the extra {@code headers}. */
  Mono<JsonNode> get(URI uri, Map<String, String> headers) {
    return client
        .headers(h -> headers.forEach(h::set))
        .get()
        .uri(uri)
        .response(this::read)
        .single()
        .timeout(timeout)
        .onErrorMap(e -> !(e instanceof SearchException), this::failure);
  }

  private Mono<JsonNode> read(HttpClientResponse response, ByteBufFlux body) {
    int status = response.status().code();
    if (status < 200 || status >= 300) {
      return Mono.error(new SearchException(
          "http_status", service + " answered HTTP " + status + " " + response.status().reasonPhrase()
              + (status == 403 && service.equals("SearXNG") ? " (is the json format enabled in its settings.yml?)" : "")
              + ((status == 401 || status == 422) && service.equals("Brave") ? " (check the API key and the query)" : "")));
    }
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    return body.asByteArray()
        .handle((chunk, sink) -> {
          if (bytes.size() + chunk.length > maxBytes) {
            sink.error(new SearchException(
                "response_too_large", service + "'s answer is larger than " + maxBytes + " bytes"));
            return;
          }
          bytes.write(chunk, 0, chunk.length);
        })
        .then(Mono.fromCallable(() -> parse(bytes.toByteArray())));
  }

  private JsonNode parse(byte[] body) {
    try {
      JsonNode node = json.readTree(body);
      if (node == null || !node.isObject()) {
        throw new SearchException("malformed_response", service + " did not answer with a JSON object");
      }
      return node;
    } catch (JacksonException e) {
      throw new SearchException("malformed_response", service + " answered with malformed JSON: "
          + e.getOriginalMessage());
    }
  }

  private Throwable failure(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof TimeoutException || t instanceof io.netty.handler.timeout.ReadTimeoutException) {
        return new SearchException("timeout", service + " did not answer within " + timeout.toMillis() + " ms");
      }
    }
    for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof IOException) {
        return new SearchException("unreachable", service + " could not be reached: " + t.getMessage());
      }
    }
    return new SearchException("search_failed", service + " failed: " + e);
  }

  /**
   * Up to {@code request.topK()} hits from a JSON array of web results, each an object with a {@code url},
   * a {@code title} and a snippet under {@code snippetField}; entries without a URL are skipped.
   */
  static List<SearchHit> hits(SearchRequest request, JsonNode results, String snippetField) {
    List<SearchHit> hits = new ArrayList<>();
    for (JsonNode result : results) {
      if (hits.size() == request.topK()) {
        break;
      }
      String url = text(result, "url");
      if (!result.isObject() || url.isEmpty()) {
        continue;
      }
      String snippet = plain(text(result, snippetField));
      hits.add(new SearchHit(url, plain(text(result, "title")), null, snippet.isEmpty() ? List.of() : List.of(snippet)));
    }
    return hits;
  }

  /** A string field of {@code node}, or empty. */
  static String text(JsonNode node, String field) {
    JsonNode value = node.get(field);
    return value != null && value.isString() ? value.asString().strip() : "";
  }

  /** A result's description as plain text: tags and entities resolved, whitespace collapsed, cut to a few hundred characters. */
  static String plain(String html) {
    if (html.isEmpty()) {
      return html;
    }
    String text = Jsoup.parseBodyFragment(html).text().strip();
    return text.length() <= MAX_SNIPPET_CHARS ? text : text.substring(0, MAX_SNIPPET_CHARS) + "…";
  }

  /** {@code base} without a trailing slash, then {@code path}. */
  static String join(URI base, String path) {
    String start = base.toString();
    while (start.endsWith("/")) {
      start = start.substring(0, start.length() - 1);
    }
    return start + path;
  }

  @Override
  public void close() {
    connections.dispose();
  }
}
