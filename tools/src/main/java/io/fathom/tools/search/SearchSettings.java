package io.fathom.tools.search;

import java.net.URI;
import java.time.Duration;

/**
 * Which backend the {@code search} tool uses, and how.
 *
 * @param backend the tenant's corpora, a SearXNG instance or the Brave Search API
 * @param baseUrl SearXNG's root URL (required for it); Brave's API URL ({@code null} for {@link
 *     BraveBackend#DEFAULT_BASE}); unused for corpora
 * @param apiKey Brave's subscription token (required for it); unused otherwise
 * @param timeout a web search request must finish within this
 * @param maxResponseBytes a web search answer larger than this is a failure
 * @param defaultCorpus the corpus searched when the call names none; {@code null} for all the
 *     tenant's corpora
 * @param maxOutputChars the tool's text is cut to this, with a note
 */
public record SearchSettings(
    Backend backend, URI baseUrl, String apiKey, Duration timeout, int maxResponseBytes, String defaultCorpus,
    int maxOutputChars) {

  /** Where searches go. */
  public enum Backend {
    CORPUS,
    SEARXNG,
    BRAVE
  }

  /** 10 s. */
  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);

  /** 2 MiB. */
  public static final int DEFAULT_MAX_RESPONSE_BYTES = 2 << 20;

  /** 20,000 characters. */
  public static final int DEFAULT_MAX_OUTPUT_CHARS = 20_000;

  public SearchSettings {
    if (backend == null) {
      throw new IllegalArgumentException("backend is required");
    }
    if (backend == Backend.SEARXNG && baseUrl == null) {
      throw new IllegalArgumentException("SearXNG needs its base URL");
    }
    if (backend == Backend.BRAVE && (apiKey == null || apiKey.isBlank())) {
      throw new IllegalArgumentException("the Brave Search API needs an API key");
    }
    if (baseUrl != null && !("http".equalsIgnoreCase(baseUrl.getScheme()) || "https".equalsIgnoreCase(baseUrl.getScheme()))) {
      throw new IllegalArgumentException("baseUrl must be an http(s) URL, was " + baseUrl);
    }
    if (timeout == null || timeout.isNegative() || timeout.isZero()) {
      throw new IllegalArgumentException("timeout must be positive, was " + timeout);
    }
    if (maxResponseBytes < 1024) {
      throw new IllegalArgumentException("maxResponseBytes must be at least 1024, was " + maxResponseBytes);
    }
    if (defaultCorpus != null && !CorpusNames.valid(defaultCorpus)) {
      throw new IllegalArgumentException("defaultCorpus is not a valid corpus name: " + defaultCorpus);
    }
    if (maxOutputChars < 256) {
      throw new IllegalArgumentException("maxOutputChars must be at least 256, was " + maxOutputChars);
    }
  }

  /** The tenant's corpora, all of them unless the call names one. */
  public static SearchSettings corpus() {
    return corpus(null);
  }

  /** The tenant's corpora, {@code defaultCorpus} unless the call names another. */
  public static SearchSettings corpus(String defaultCorpus) {
    return new SearchSettings(
        Backend.CORPUS, null, null, DEFAULT_TIMEOUT, DEFAULT_MAX_RESPONSE_BYTES, defaultCorpus,
        DEFAULT_MAX_OUTPUT_CHARS);
  }

  /** A SearXNG instance at {@code baseUrl}. */
  public static SearchSettings searxng(URI baseUrl) {
    return new SearchSettings(
        Backend.SEARXNG, baseUrl, null, DEFAULT_TIMEOUT, DEFAULT_MAX_RESPONSE_BYTES, null, DEFAULT_MAX_OUTPUT_CHARS);
  }

  /** The Brave Search API with this key. */
  public static SearchSettings brave(String apiKey) {
    return new SearchSettings(
        Backend.BRAVE, null, apiKey, DEFAULT_TIMEOUT, DEFAULT_MAX_RESPONSE_BYTES, null, DEFAULT_MAX_OUTPUT_CHARS);
  }

  public SearchSettings withBaseUrl(URI url) {
    return new SearchSettings(backend, url, apiKey, timeout, maxResponseBytes, defaultCorpus, maxOutputChars);
  }

  public SearchSettings withTimeout(Duration limit) {
    return new SearchSettings(backend, baseUrl, apiKey, limit, maxResponseBytes, defaultCorpus, maxOutputChars);
  }

  public SearchSettings withMaxOutputChars(int chars) {
    return new SearchSettings(backend, baseUrl, apiKey, timeout, maxResponseBytes, defaultCorpus, chars);
  }

  /**
   * The backend these settings name.
   *
   * @param store the corpora, for {@link Backend#CORPUS}; may be {@code null} otherwise
   */
  public SearchBackend createBackend(CorpusStore store) {
    return switch (backend) {
      case CORPUS -> {
        if (store == null) {
          throw new IllegalArgumentException("corpus search needs a CorpusStore");
        }
        yield new CorpusBackend(store);
      }
      case SEARXNG -> new SearxngBackend(baseUrl, timeout, maxResponseBytes);
      case BRAVE -> new BraveBackend(baseUrl == null ? BraveBackend.DEFAULT_BASE : baseUrl, apiKey, timeout,
          maxResponseBytes);
    };
  }
}
