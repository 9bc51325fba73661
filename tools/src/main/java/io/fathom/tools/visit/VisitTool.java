package io.fathom.tools.visit;

import io.fathom.tools.Tool;
import io.fathom.tools.ToolContext;
import io.fathom.tools.ToolResult;
import io.fathom.tools.net.OutboundPolicy;
import io.fathom.tools.net.AddressGuard;
import io.fathom.tools.net.HostResolver;
import io.fathom.tools.net.RefusedAddressException;
import io.fathom.tools.net.UnresolvedHostException;
import io.netty.handler.timeout.ReadTimeoutException;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeoutException;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code visit}: fetches a web page or PDF and shows the model its readable text, a page of {@link
 * VisitSettings#pageChars()} characters per call, with a header (title, URL, page n of m) and, when
 * more pages follow, how to ask for the next. {@code corpus://} ids are opened through {@link
 * CorpusDocuments} when one is given. Every address connected to, redirects included, must pass
 * the {@link OutboundPolicy}, both before the request and when the connection is opened. Parsing
 * and PDF extraction run on a scheduler for blocking work, never on an event loop. Idempotent: a
 * GET. Every failure is a {@link ToolResult.Failure}, never an error signal.
 */
public final class VisitTool implements Tool, AutoCloseable {

  public static final String NAME = "visit";

  private static final String CORPUS_SCHEME = "corpus://";

  private final VisitSettings settings;
  private final CorpusDocuments corpus;
  private final Scheduler blocking;
  private final PageFetcher fetcher;
  private final JsonNode parameters;

  /**
   * @param policy the outbound policy webhooks use (the same allow-list)
   * @param settings limits; {@link VisitSettings#defaults()} suits most uses
   * @param corpus opens {@code corpus://} ids; {@code null} when there is no corpus
   */
  public VisitTool(OutboundPolicy policy, VisitSettings settings, CorpusDocuments corpus) {
    this(policy, settings, corpus, HostResolver.system(), Schedulers.boundedElastic());
  }

  /**
   * @param resolver resolves host names, both for the check and for connecting
   * @param blocking where DNS look-ups, HTML parsing and PDF extraction run
   */
  VisitTool(
      OutboundPolicy policy, VisitSettings settings, CorpusDocuments corpus, HostResolver resolver,
      Scheduler blocking) {
    this.settings = settings;
    this.corpus = corpus;
    this.blocking = blocking;
    this.fetcher = new PageFetcher(new AddressGuard(policy, resolver, blocking), settings);
    this.parameters =
        JsonMapper.builder().build().readTree(
            "{\"type\": \"object\", \"properties\": {"
                + "\"url\": {\"type\": \"string\", \"description\": \"The http(s) URL to read (at most "
                + VisitUrls.MAX_CHARS + " characters), or a corpus:// document id\"},"
                + " \"page\": {\"type\": \"integer\", \"minimum\": 1, \"description\": \"Which page of the text to"
                + " show, from 1; default 1\"}},"
                + " \"required\": [\"url\"], \"additionalProperties\": false}");
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public String description() {
    return "Read a web page or PDF: returns its title and readable text, "
        + String.format(Locale.ROOT, "%,d", settings.pageChars())
        + " characters per page. When the text is longer, call visit again with the same url and the next page"
        + " number.";
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
          String url = url(arguments);
          int page = page(arguments);
          Mono<ReadableText> text =
              url.regionMatches(true, 0, CORPUS_SCHEME, 0, CORPUS_SCHEME.length())
                  ? openCorpus(url, context)
                  : fetch(VisitUrls.parse(url), context);
          return text.map(t -> render(t, url, page));
        })
        .onErrorResume(e -> Mono.just(failure(e)));
  }

  private Mono<ReadableText> fetch(URI url, ToolContext context) {
    Duration limit = limit(context);
    return fetcher
        .fetch(url, limit)
        .onErrorMap(TimeoutException.class, e -> new VisitException(
            "timeout", url + " did not answer in full within " + limit.toMillis() + " ms"))
        .publishOn(blocking)
        .map(this::extract);
  }

  private ReadableText extract(FetchedBody body) {
    ContentKind kind =
        (body.mediaType() == null ? ContentKind.sniff(body.bytes()) : ContentKind.of(body.mediaType()))
            .orElseThrow(() -> PageFetcher.unsupported(body.url(), body.mediaType()));
    ReadableText text =
        switch (kind) {
          case HTML -> HtmlText.extract(body);
          case PDF -> PdfText.extract(body, settings.maxBytes());
          case TEXT -> PlainText.extract(body);
        };
    if (!body.truncated()) {
      return text;
    }
    return new ReadableText(
        text.title(), text.source(), text.text(),
        "The response was longer than " + settings.maxBytes() + " bytes; only the first " + settings.maxBytes()
            + " bytes were read, so the text ends early.");
  }

  private Mono<ReadableText> openCorpus(String uri, ToolContext context) {
    if (corpus == null) {
      return Mono.error(new VisitException("corpus_unavailable", "there is no corpus to open " + uri + " from"));
    }
    return corpus
        .open(context.tenant(), uri)
        .defaultIfEmpty(Optional.empty())
        .map(found -> found
            .map(d -> new ReadableText(d.title(), d.uri(), TextPages.tidy(d.text() == null ? "" : d.text()), null))
            .orElseThrow(() -> new VisitException("not_found", "there is no corpus document " + uri)));
  }

  private ToolResult render(ReadableText text, String url, int page) {
    TextPages pages = TextPages.split(text.text(), settings.pageChars());
    if (page > pages.count()) {
      throw new VisitException(
          "page_out_of_range",
          "page " + page + " does not exist: " + text.source() + " has " + pages.count()
              + (pages.count() == 1 ? " page" : " pages"));
    }
    StringBuilder b = new StringBuilder();
    if (text.title() != null) {
      b.append("Title: ").append(text.title()).append('\n');
    }
    b.append("URL: ").append(text.source()).append('\n');
    b.append("Page ").append(page).append(" of ").append(pages.count()).append('\n');
    if (text.note() != null) {
      b.append("Note: ").append(text.note()).append('\n');
    }
    String body = pages.page(page);
    b.append('\n').append(body.isEmpty() ? "(no readable text)" : body).append('\n');
    if (page < pages.count()) {
      b.append("\n[Page ").append(page).append(" of ").append(pages.count())
          .append(". More text follows: call visit with {\"url\": \"").append(url).append("\", \"page\": ")
          .append(page + 1).append("} to read on.]\n");
    }
    Map<String, Object> metadata = new LinkedHashMap<>();
    metadata.put("url", text.source());
    metadata.put("page", page);
    metadata.put("pages", pages.count());
    metadata.put("truncated", text.note() != null);
    return new ToolResult.Success(b.toString(), metadata);
  }

  private Duration limit(ToolContext context) {
    Duration limit = settings.timeout();
    if (context != null && context.deadline() != null) {
      Duration left = Duration.between(Instant.now(), context.deadline());
      if (left.compareTo(limit) < 0) {
        limit = left.compareTo(Duration.ofSeconds(1)) < 0 ? Duration.ofSeconds(1) : left;
      }
    }
    return limit;
  }

  private static String url(JsonNode arguments) {
    JsonNode url = arguments == null ? null : arguments.get("url");
    if (url == null || !url.isString() || url.asString().isBlank()) {
      throw new VisitException("invalid_arguments", "url is required: an http or https URL, as a string");
    }
    return url.asString().strip();
  }

  private static int page(JsonNode arguments) {
    JsonNode page = arguments.get("page");
    if (page == null || page.isNull()) {
      return 1;
    }
    if (!page.isNumber() || !page.canConvertToExactIntegral() || !page.canConvertToInt() || page.asInt() < 1) {
      throw new VisitException("invalid_arguments", "page must be an integer of at least 1, was " + page);
    }
    return page.asInt();
  }

  private ToolResult.Failure failure(Throwable e) {
    RefusedAddressException refused = cause(e, RefusedAddressException.class);
    if (refused != null) {
      return ToolResult.failure("refused_address", refused.getMessage());
    }
    UnresolvedHostException unresolved = cause(e, UnresolvedHostException.class);
    if (unresolved != null) {
      return ToolResult.failure("unknown_host", unresolved.getMessage());
    }
    VisitException visit = cause(e, VisitException.class);
    if (visit != null) {
      return ToolResult.failure(visit.code(), visit.getMessage());
    }
    if (cause(e, ReadTimeoutException.class) != null
        || cause(e, TimeoutException.class) != null) {
      return ToolResult.failure("timeout", "no answer within " + settings.timeout().toMillis() + " ms");
    }
    IOException io = cause(e, IOException.class);
    if (io != null) {
      return ToolResult.failure("unreachable", "the page could not be fetched: " + io);
    }
    return ToolResult.failure("visit_failed", "the page could not be read: " + e);
  }

  private static <T extends Throwable> T cause(Throwable e, Class<T> type) {
    for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (type.isInstance(t)) {
        return type.cast(t);
      }
    }
    return null;
  }

  /** Releases the connection pool. */
  @Override
  public void close() {
    fetcher.close();
  }
}
