package io.fathom.tools.visit;

import io.fathom.tools.net.AddressGuard;
import io.fathom.tools.net.GuardedResolverGroup;
import io.netty.channel.ChannelOption;
import io.netty.handler.codec.http.HttpHeaderNames;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.nio.charset.Charset;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.TimeoutException;
import reactor.core.publisher.Mono;
import reactor.netty.ByteBufFlux;
import reactor.netty.http.client.HttpClient;
import reactor.netty.http.client.HttpClientResponse;
import reactor.netty.resources.ConnectionProvider;

/**
 * GETs a URL for visit with Reactor Netty. Each hop is checked by the {@link AddressGuard} before
 * it is requested, and connections are opened only through the {@link GuardedResolverGroup}, so a
 * host that resolves differently at connect time is checked again. Redirects are followed here,
 * at most {@link VisitSettings#maxRedirects()} of them, each target checked like the first URL.
 * The body is read while it streams in and no further than {@link VisitSettings#maxBytes()};
 * bodies of types visit cannot read are not read at all.
 */
final class PageFetcher implements AutoCloseable {

  private static final String USER_AGENT = "Mozilla/5.0 (compatible; FathomVisit/0.1)";
  private static final String ACCEPT =
      "text/html,application/xhtml+xml;q=0.9,application/pdf;q=0.9,text/plain;q=0.8,text/markdown;q=0.8,"
          + "application/json;q=0.7,*/*;q=0.1";

  private final AddressGuard guard;
  private final VisitSettings settings;
  private final ConnectionProvider connections;
  private final GuardedResolverGroup resolver;
  private final HttpClient client;

  PageFetcher(AddressGuard guard, VisitSettings settings) {
    this.guard = guard;
    this.settings = settings;
    this.connections =
        ConnectionProvider.builder("fathom-visit")
            .maxConnections(256)
            .pendingAcquireMaxCount(-1)
            .pendingAcquireTimeout(Duration.ofMinutes(10))
            .maxIdleTime(Duration.ofSeconds(20))
            .build();
    this.resolver = new GuardedResolverGroup(guard);
    this.client =
        HttpClient.create(connections)
            .resolver(resolver)
            .followRedirect(false)
            .compress(true)
            .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(settings.timeout().toMillis(), 10_000))
            .responseTimeout(settings.timeout())
            .headers(h -> h.set(HttpHeaderNames.USER_AGENT, USER_AGENT).set(HttpHeaderNames.ACCEPT, ACCEPT));
  }

  /**
   * The body of {@code url}, following redirects. Errors with a {@link VisitException}, a {@link
   * io.fathom.tools.net.RefusedAddressException}, a {@link TimeoutException} after {@code limit},
   * or the client's own I/O errors.
   */
  Mono<FetchedBody> fetch(URI url, Duration limit) {
    return hop(url, 0).timeout(limit);
  }

  private Mono<FetchedBody> hop(URI url, int redirects) {
    return guard
        .check(url)
        .then(Mono.defer(() -> request(url)))
        .flatMap(
            answer ->
                switch (answer) {
                  case Answer.Body body -> Mono.just(body.body());
                  case Answer.Redirect r when redirects >= settings.maxRedirects() ->
                      Mono.error(
                          new VisitException(
                              "too_many_redirects",
                              "more than " + settings.maxRedirects() + " redirects; the last was from " + url + " to "
                                  + r.target()));
                  case Answer.Redirect r -> hop(r.target(), redirects + 1);
                });
  }

  private Mono<Answer> request(URI url) {
    return client.get().uri(url).response((response, body) -> answer(url, response, body)).single();
  }

  private Mono<Answer> answer(URI url, HttpClientResponse response, ByteBufFlux body) {
    int status = response.status().code();
    if (status >= 300 && status < 400 && status != 304) {
      String location = response.responseHeaders().get(HttpHeaderNames.LOCATION);
      if (location == null || location.isBlank()) {
        return Mono.error(
            new VisitException("http_status", url + " answered HTTP " + status + " without a Location to redirect to"));
      }
      return Mono.just(new Answer.Redirect(VisitUrls.redirect(url, location)));
    }
    if (status < 200 || status >= 300) {
      return Mono.error(
          new VisitException(
              "http_status", url + " answered HTTP " + status + " " + response.status().reasonPhrase()));
    }
    String contentType = response.responseHeaders().get(HttpHeaderNames.CONTENT_TYPE);
    String mediaType = mediaType(contentType);
    if (mediaType != null && ContentKind.of(mediaType).isEmpty()) {
      return Mono.error(unsupported(url, mediaType));
    }
    Charset charset = charset(contentType);
    BodyBuffer buffer = new BodyBuffer((int) settings.maxBytes());
    return body.asByteArray()
        .takeUntil(buffer::append)
        .then(Mono.fromCallable(() -> new Answer.Body(
            new FetchedBody(url, mediaType, charset, buffer.bytes(), buffer.truncated()))));
  }

  static VisitException unsupported(URI url, String mediaType) {
    return new VisitException(
        "unsupported_content_type",
        url + " is " + (mediaType == null ? "of an unknown type" : "'" + mediaType + "'")
            + "; visit reads HTML, PDF, plain text, Markdown and JSON");
  }

  /** The type/subtype of a {@code Content-Type} value, lower case; {@code null} when absent. */
  static String mediaType(String contentType) {
    if (contentType == null) {
      return null;
    }
    int semicolon = contentType.indexOf(';');
    String type = (semicolon < 0 ? contentType : contentType.substring(0, semicolon)).strip().toLowerCase(Locale.ROOT);
    return type.isEmpty() ? null : type;
  }

  /** The charset parameter of a {@code Content-Type} value if the JVM knows it, else {@code null}. */
  static Charset charset(String contentType) {
    if (contentType == null) {
      return null;
    }
    for (String parameter : contentType.split(";")) {
      int equals = parameter.indexOf('=');
      if (equals > 0 && parameter.substring(0, equals).strip().equalsIgnoreCase("charset")) {
        String name = parameter.substring(equals + 1).strip().replace("\"", "").replace("'", "");
        return knownCharset(name).orElse(null);
      }
    }
    return null;
  }

  static Optional<Charset> knownCharset(String name) {
    try {
      return Charset.isSupported(name) ? Optional.of(Charset.forName(name)) : Optional.empty();
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
  }

  @Override
  public void close() {
    connections.dispose();
    resolver.close();
  }

  /** What one hop answered. */
  private sealed interface Answer {
    record Body(FetchedBody body) implements Answer {}

    record Redirect(URI target) implements Answer {}
  }

  /** Collects the body up to a cap; {@link #append} says when to stop reading. */
  private static final class BodyBuffer {
    private final int max;
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private boolean truncated;

    BodyBuffer(int max) {
      this.max = max;
    }

    /** Adds a chunk, or as much of it as fits; true when the cap was passed and reading should stop. */
    boolean append(byte[] chunk) {
      int room = max - bytes.size();
      if (chunk.length > room) {
        bytes.write(chunk, 0, room);
        truncated = true;
        return true;
      }
      bytes.write(chunk, 0, chunk.length);
      return false;
    }

    byte[] bytes() {
      return bytes.toByteArray();
    }

    boolean truncated() {
      return truncated;
    }
  }
}
