package io.fathom.tools.visit;

import io.fathom.tools.net.HostResolver;
import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.fathom.tools.ToolContext;
import io.fathom.tools.ToolResult;
import io.fathom.tools.net.OutboundPolicy;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.UnknownHostException;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.pdfbox.pdmodel.PDDocument;
import org.apache.pdfbox.pdmodel.PDPage;
import org.apache.pdfbox.pdmodel.PDPageContentStream;
import org.apache.pdfbox.pdmodel.encryption.AccessPermission;
import org.apache.pdfbox.pdmodel.encryption.StandardProtectionPolicy;
import org.apache.pdfbox.pdmodel.font.PDType1Font;
import org.apache.pdfbox.pdmodel.font.Standard14Fonts;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

class VisitToolTest {

  private static final JsonMapper JSON = JsonMapper.builder().build();
  private static final Duration BLOCK = Duration.ofSeconds(20);
  private static final ToolContext CONTEXT = new ToolContext(UUID.randomUUID(), "acme", "call-1", null);
  private static final VisitSettings SETTINGS = new VisitSettings(Duration.ofSeconds(5), 64 * 1024, 1_000, 5);

  /** What the test server answers on one path. */
  record Route(int status, String contentType, byte[] body, Map<String, String> headers, long delayMillis) {
    static Route of(String contentType, String body) {
      return new Route(200, contentType, body.getBytes(StandardCharsets.UTF_8), Map.of(), 0);
    }

    static Route of(String contentType, byte[] body) {
      return new Route(200, contentType, body, Map.of(), 0);
    }

    static Route redirect(String location) {
      return new Route(302, null, new byte[0], Map.of("Location", location), 0);
    }
  }

  /** One request the server received. */
  record Received(String path, String host) {}

  private final Map<String, Route> routes = new ConcurrentHashMap<>();
  private final List<Received> received = new CopyOnWriteArrayList<>();
  private final List<VisitTool> tools = new CopyOnWriteArrayList<>();
  private HttpServer server;
  private ExecutorService executor;
  private String base;

  @BeforeEach
  void start() throws IOException {
    executor = Executors.newVirtualThreadPerTaskExecutor();
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.setExecutor(executor);
    server.createContext("/", this::handle);
    server.start();
    base = "http://127.0.0.1:" + server.getAddress().getPort();
  }

  @AfterEach
  void stop() {
    tools.forEach(VisitTool::close);
    server.stop(0);
    executor.shutdownNow();
  }

  private void handle(HttpExchange ex) throws IOException {
    received.add(new Received(ex.getRequestURI().getPath(), ex.getRequestHeaders().getFirst("Host")));
    Route route = routes.get(ex.getRequestURI().getPath());
    try (ex) {
      if (route == null) {
        ex.sendResponseHeaders(404, -1);
        return;
      }
      if (route.delayMillis() > 0) {
        Thread.sleep(route.delayMillis());
      }
      if (route.contentType() != null) {
        ex.getResponseHeaders().set("Content-Type", route.contentType());
      }
      route.headers().forEach((k, v) -> ex.getResponseHeaders().set(k, v));
      ex.sendResponseHeaders(route.status(), route.body().length == 0 ? -1 : route.body().length);
      if (route.body().length > 0) {
        try (OutputStream out = ex.getResponseBody()) {
          out.write(route.body());
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (IOException e) {
      // the client stopped reading: expected when the body is capped
    }
  }

  private VisitTool tool(List<String> allow) {
    return tool(allow, SETTINGS, null, HostResolver.system());
  }

  private VisitTool tool(List<String> allow, VisitSettings settings, CorpusDocuments corpus, HostResolver resolver) {
    OutboundPolicy policy = new OutboundPolicy(allow, Schedulers.boundedElastic());
    VisitTool tool = new VisitTool(policy, settings, corpus, resolver, Schedulers.boundedElastic());
    tools.add(tool);
    return tool;
  }

  private VisitTool allowed() {
    return tool(List.of("127.0.0.1/32"));
  }

  private static ToolResult visit(VisitTool tool, String url) {
    return visit(tool, url, null);
  }

  private static ToolResult visit(VisitTool tool, String url, Integer page) {
    ObjectNode args = JSON.createObjectNode().put("url", url);
    if (page != null) {
      args.put("page", page);
    }
    return tool.call(args, CONTEXT).block(BLOCK);
  }

  private static ToolResult.Success success(ToolResult result) {
    assertThat(result).as(result.text()).isInstanceOf(ToolResult.Success.class);
    return (ToolResult.Success) result;
  }

  private static ToolResult.Failure failure(ToolResult result, String code) {
    assertThat(result).as(result.text()).isInstanceOf(ToolResult.Failure.class);
    ToolResult.Failure failure = (ToolResult.Failure) result;
    assertThat(failure.code()).as(failure.message()).isEqualTo(code);
    return failure;
  }

  // --- the tool's description

  @Test
  void describesItselfAsAnIdempotentToolWithAUrlAndAPage() {
    VisitTool tool = allowed();
    assertThat(tool.name()).isEqualTo("visit");
    assertThat(tool.idempotent()).isTrue();
    assertThat(tool.parameters().path("required").toString()).isEqualTo("[\"url\"]");
    assertThat(tool.parameters().path("properties").path("page").path("type").asString()).isEqualTo("integer");
    assertThat(tool.parameters().path("properties").path("page").path("minimum").asInt()).isEqualTo(1);
  }

  // --- content

  @Test
  void readsHtmlAsTitledMarkdownishTextWithoutScriptsOrChrome() {
    routes.put(
        "/page",
        Route.of(
            "text/html; charset=utf-8",
            """
            <!doctype html><html><head><title>Deep sea fish</title>
            <style>body { color: red }</style><script>var secret = "tracking";</script></head>
            <body>
              <header>Site banner</header>
              <nav><a href="/home">Home</a> | <a href="/about">About</a></nav>
              <main>
                <h1>Anglerfish</h1>
                <p>Anglerfish live   in the <b>bathypelagic</b> zone.</p>
                <h2>Diet</h2>
                <ul><li>small fish</li><li>squid</li></ul>
                <p>See the <a href="/docs">field guide</a> for more.</p>
                <noscript>Enable JavaScript</noscript>
              </main>
              <aside>Related: sharks</aside>
              <footer>Copyright 2025</footer>
              <script>document.write("injected")</script>
            </body></html>
            """));

    String text = success(visit(allowed(), base + "/page")).text();

    assertThat(text).startsWith("Title: Deep sea fish\nURL: " + base + "/page\nPage 1 of 1\n");
    assertThat(text)
        .contains("# Anglerfish\n")
        .contains("Anglerfish live in the bathypelagic zone.")
        .contains("## Diet\n")
        .contains("- small fish\n- squid")
        .contains("See the field guide (" + base + "/docs) for more.");
    assertThat(text)
        .doesNotContain("tracking", "color: red", "injected", "Site banner", "Home", "Related", "Copyright",
            "Enable JavaScript");
  }

  @Test
  void detectsTheHtmlCharsetFromItsMetaTag() {
    byte[] page =
        "<html><head><meta charset=\"iso-8859-1\"><title>Caf\u00e9</title></head><body><p>cr\u00e8me br\u00fbl\u00e9e</p></body></html>"
            .getBytes(StandardCharsets.ISO_8859_1);
    routes.put("/latin", Route.of("text/html", page));

    String text = success(visit(allowed(), base + "/latin")).text();

    assertThat(text).contains("Title: Caf\u00e9").contains("cr\u00e8me br\u00fbl\u00e9e");
  }

  @Test
  void readsPlainTextInTheHeadersCharset() {
    routes.put(
        "/notes.txt",
        Route.of("text/plain; charset=windows-1252", "na\u00efve r\u00e9sum\u00e9".getBytes(Charset.forName("windows-1252"))));

    ToolResult.Success result = success(visit(allowed(), base + "/notes.txt"));

    assertThat(result.text()).isEqualTo("URL: " + base + "/notes.txt\nPage 1 of 1\n\nna\u00efve r\u00e9sum\u00e9\n");
    assertThat(result.metadata()).containsEntry("pages", 1).containsEntry("truncated", false);
  }

  @Test
  void readsMarkdownAndJsonAsText() {
    routes.put("/readme.md", Route.of("text/markdown", "# Readme\n\nHello *world*"));
    routes.put("/data", Route.of("application/json", "{\"depth\": 4000}"));
    VisitTool tool = allowed();

    assertThat(success(visit(tool, base + "/readme.md")).text()).contains("# Readme\n\nHello *world*");
    assertThat(success(visit(tool, base + "/data")).text()).contains("{\"depth\": 4000}");
  }

  @Test
  void readsPdfText() throws IOException {
    routes.put("/report.pdf", Route.of("application/pdf", pdf("Quarterly report", "Revenue grew by twelve percent", null)));

    String text = success(visit(allowed(), base + "/report.pdf")).text();

    assertThat(text).startsWith("Title: Quarterly report\nURL: " + base + "/report.pdf\nPage 1 of 1\n");
    assertThat(text).contains("Revenue grew by twelve percent");
  }

  @Test
  void refusesPasswordProtectedAndBrokenPdfs() throws IOException {
    routes.put("/locked.pdf", Route.of("application/pdf", pdf("Secret", "hidden text", "user-password")));
    routes.put("/broken.pdf", Route.of("application/pdf", "%PDF-1.7\nthis is not really a PDF"));
    VisitTool tool = allowed();

    assertThat(failure(visit(tool, base + "/locked.pdf"), "pdf_encrypted").message()).contains("password");
    assertThat(failure(visit(tool, base + "/broken.pdf"), "pdf_unreadable").message()).contains("/broken.pdf");
  }

  @Test
  void sniffsAPdfServedWithoutAContentType() throws IOException {
    routes.put("/untyped", Route.of(null, pdf("Untyped", "found by its magic number", null)));

    assertThat(success(visit(allowed(), base + "/untyped")).text()).contains("found by its magic number");
  }

  @Test
  void refusesTypesItCannotRead() {
    routes.put("/image.png", Route.of("image/png", new byte[] {(byte) 0x89, 'P', 'N', 'G'}));

    ToolResult.Failure failure = failure(visit(allowed(), base + "/image.png"), "unsupported_content_type");

    assertThat(failure.message()).contains("image/png");
  }

  // --- paging

  @Test
  void pagesLongTextAndSaysHowToReadOn() {
    StringBuilder text = new StringBuilder();
    for (int i = 1; i <= 200; i++) {
      text.append("Line ").append(i).append(" of the long document.\n");
    }
    routes.put("/long.txt", Route.of("text/plain", text.toString()));
    VisitTool tool = allowed();

    ToolResult.Success first = success(visit(tool, base + "/long.txt"));
    int pages = (Integer) first.metadata().get("pages");
    assertThat(pages).isGreaterThan(3);
    assertThat(first.text()).contains("Page 1 of " + pages + "\n\nLine 1 of the long document.\n");

    ToolResult.Success second = success(visit(tool, base + "/long.txt", 2));
    assertThat(second.text()).startsWith("URL: " + base + "/long.txt\nPage 2 of " + pages + "\n\nLine ");
    assertThat(second.text())
        .endsWith("call visit with {\"url\": \"" + base + "/long.txt\", \"page\": 3} to read on.]\n");
    String body = second.text().substring(second.text().indexOf("\n\n") + 2, second.text().indexOf("\n\n[Page"));
    assertThat(body.length()).isLessThanOrEqualTo(SETTINGS.pageChars());
    assertThat(body).startsWith("Line ").endsWith("of the long document.");

    ToolResult.Success last = success(visit(tool, base + "/long.txt", pages));
    assertThat(last.text()).contains("Line 200 of the long document.").doesNotContain("read on");

    ToolResult.Failure beyond = failure(visit(tool, base + "/long.txt", pages + 1), "page_out_of_range");
    assertThat(beyond.message()).contains("page " + (pages + 1)).contains("has " + pages + " pages");
  }

  @Test
  void rejectsAPageBelowOne() {
    ToolResult result =
        allowed().call(JSON.createObjectNode().put("url", base + "/x").put("page", 0), CONTEXT).block(BLOCK);

    assertThat(failure(result, "invalid_arguments").message()).contains("page");
  }

  // --- limits

  @Test
  void capsTheBodyAndSaysSo() {
    routes.put("/huge.txt", Route.of("text/plain", "x".repeat(9_000) + "\n" + "y".repeat(500_000)));
    VisitSettings small = new VisitSettings(Duration.ofSeconds(5), 4_096, 100_000, 5);

    ToolResult.Success result = success(visit(tool(List.of("127.0.0.1/32"), small, null, HostResolver.system()), base + "/huge.txt"));

    assertThat(result.text()).contains("Note: The response was longer than 4096 bytes");
    String body = result.text().substring(result.text().indexOf("\n\n") + 2).strip();
    assertThat(body).hasSize(4_096).matches("x+");
    assertThat(result.metadata()).containsEntry("truncated", true);
  }

  @Test
  void timesOut() {
    routes.put("/slow", new Route(200, "text/plain", "late".getBytes(StandardCharsets.UTF_8), Map.of(), 3_000));
    VisitSettings quick = new VisitSettings(Duration.ofMillis(400), 64 * 1024, 1_000, 5);
    long start = System.nanoTime();

    ToolResult result = visit(tool(List.of("127.0.0.1/32"), quick, null, HostResolver.system()), base + "/slow");

    assertThat(failure(result, "timeout").message()).contains("ms");
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofMillis(2_500));
  }

  @Test
  void reportsNon2xxStatuses() {
    routes.put("/error", new Route(503, "text/plain", "down".getBytes(StandardCharsets.UTF_8), Map.of(), 0));
    VisitTool tool = allowed();

    assertThat(failure(visit(tool, base + "/missing"), "http_status").message()).contains("HTTP 404");
    assertThat(failure(visit(tool, base + "/error"), "http_status").message()).contains("HTTP 503");
  }

  @Test
  void saysWhenTheServerCannotBeReached() throws IOException {
    int closed;
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      closed = socket.getLocalPort();
    }

    failure(visit(allowed(), "http://127.0.0.1:" + closed + "/"), "unreachable");
  }

  // --- URLs

  @ParameterizedTest
  @ValueSource(strings = {"file:///etc/passwd", "ftp://example.com/file.txt", "gopher://example.com/", "javascript:alert(1)"})
  void refusesOtherSchemes(String url) {
    ToolResult.Failure failure = failure(visit(allowed(), url), "unsupported_scheme");

    assertThat(failure.message()).contains("http or https").contains(url.substring(0, url.indexOf(':')));
  }

  @Test
  void refusesCredentialsInTheUrl() {
    routes.put("/page", Route.of("text/plain", "hi"));

    ToolResult.Failure failure =
        failure(visit(allowed(), "http://admin:secret@127.0.0.1:" + server.getAddress().getPort() + "/page"), "credentials_in_url");

    assertThat(failure.message()).contains("url");
    assertThat(received).isEmpty();
  }

  @Test
  void refusesUrlsOverTheLengthLimit() {
    ToolResult.Failure failure = failure(visit(allowed(), base + "/" + "a".repeat(2_100)), "url_too_long");

    assertThat(failure.message()).contains("url").contains("2,048");
  }

  @Test
  void refusesRelativeUrls() {
    failure(visit(allowed(), "/etc/passwd"), "invalid_url");
  }

  // --- SSRF

  @ParameterizedTest
  @ValueSource(strings = {"127.0.0.1", "[::1]", "localhost"})
  void refusesLoopbackUnlessAllowListed(String host) {
    routes.put("/page", Route.of("text/plain", "internal"));

    ToolResult.Failure failure =
        failure(visit(tool(List.of()), "http://" + host + ":" + server.getAddress().getPort() + "/page"), "refused_address");

    assertThat(failure.message()).containsAnyOf("127.0.0.1", "0:0:0:0:0:0:0:1", "::1");
    assertThat(received).isEmpty();
  }

  @Test
  void refusesTheCloudMetadataAddress() {
    ToolResult.Failure failure =
        failure(visit(allowed(), "http://169.254.169.254/latest/meta-data/"), "refused_address");

    assertThat(failure.message()).contains("169.254.169.254");
  }

  @Test
  void followsRedirects() {
    routes.put("/old", Route.redirect("/new"));
    routes.put("/new", Route.of("text/plain", "moved here"));

    ToolResult.Success result = success(visit(allowed(), base + "/old"));

    assertThat(result.text()).contains("URL: " + base + "/new").contains("moved here");
  }

  @Test
  void refusesARedirectToARefusedAddress() {
    routes.put("/to-metadata", Route.redirect("http://169.254.169.254/latest/meta-data/iam"));
    routes.put("/to-private", Route.redirect("http://10.1.2.3/admin"));
    VisitTool tool = allowed();

    assertThat(failure(visit(tool, base + "/to-metadata"), "refused_address").message()).contains("169.254.169.254");
    assertThat(failure(visit(tool, base + "/to-private"), "refused_address").message()).contains("10.1.2.3");
  }

  @Test
  void refusesARedirectToAnotherScheme() {
    routes.put("/to-file", Route.redirect("file:///etc/passwd"));

    assertThat(failure(visit(allowed(), base + "/to-file"), "unsupported_scheme").message()).contains("'file'");
  }

  @Test
  void followsFiveRedirectsButNotSix() {
    for (int i = 0; i < 6; i++) {
      routes.put("/hop/" + i, Route.redirect("/hop/" + (i + 1)));
    }
    routes.put("/hop/6", Route.of("text/plain", "arrived"));
    routes.put("/five/0", Route.redirect("/hop/2"));
    VisitTool tool = allowed();

    assertThat(success(visit(tool, base + "/five/0")).text()).contains("arrived");
    ToolResult.Failure failure = failure(visit(tool, base + "/hop/0"), "too_many_redirects");
    assertThat(failure.message()).contains("more than 5 redirects");
  }

  @Test
  void connectsThroughTheCheckedResolver() {
    routes.put("/page", Route.of("text/plain", "by name"));
    HostResolver resolver = host -> {
      if (host.equals("docs.test")) {
        return List.of(InetAddress.getByAddress("docs.test", new byte[] {127, 0, 0, 1}));
      }
      throw new UnknownHostException(host);
    };
    VisitTool tool = tool(List.of("127.0.0.1/32"), SETTINGS, null, resolver);
    int port = server.getAddress().getPort();

    assertThat(success(visit(tool, "http://docs.test:" + port + "/page")).text()).contains("by name");
    assertThat(received).containsExactly(new Received("/page", "docs.test:" + port));
    assertThat(failure(visit(tool, "http://nowhere.test/")).code()).isEqualTo("unknown_host");
  }

  @Test
  void refusesAHostThatRebindsToLoopbackBetweenTheCheckAndTheConnection() {
    routes.put("/page", Route.of("text/plain", "internal"));
    AtomicInteger lookups = new AtomicInteger();
    HostResolver rebinding = host -> {
      byte[] address = lookups.getAndIncrement() == 0 ? new byte[] {(byte) 203, 0, 113, 10} : new byte[] {127, 0, 0, 1};
      return List.of(InetAddress.getByAddress(host, address));
    };
    VisitTool tool = tool(List.of(), SETTINGS, null, rebinding);

    ToolResult.Failure failure =
        failure(visit(tool, "http://rebind.test:" + server.getAddress().getPort() + "/page"), "refused_address");

    assertThat(failure.message()).contains("127.0.0.1");
    assertThat(lookups.get()).isEqualTo(2);
    assertThat(received).isEmpty();
  }

  // --- corpus

  @Test
  void opensCorpusDocumentsWhenACorpusIsGiven() {
    CorpusDocuments corpus =
        (tenant, uri) ->
            Mono.just(
                tenant.equals("acme") && uri.equals("corpus://reports/7")
                    ? Optional.of(new CorpusDocument(uri, "Report 7", "Findings: none."))
                    : Optional.empty());
    VisitTool tool = tool(List.of(), SETTINGS, corpus, HostResolver.system());

    assertThat(success(visit(tool, "corpus://reports/7")).text())
        .isEqualTo("Title: Report 7\nURL: corpus://reports/7\nPage 1 of 1\n\nFindings: none.\n");
    failure(visit(tool, "corpus://reports/8"), "not_found");
  }

  @Test
  void saysWhenThereIsNoCorpus() {
    failure(visit(allowed(), "corpus://reports/7"), "corpus_unavailable");
  }

  private static ToolResult.Failure failure(ToolResult result) {
    assertThat(result).as(result.text()).isInstanceOf(ToolResult.Failure.class);
    return (ToolResult.Failure) result;
  }

  /** A one-page PDF; encrypted when {@code userPassword} is not null. */
  private static byte[] pdf(String title, String line, String userPassword) throws IOException {
    try (PDDocument document = new PDDocument()) {
      PDPage page = new PDPage();
      document.addPage(page);
      document.getDocumentInformation().setTitle(title);
      try (PDPageContentStream content = new PDPageContentStream(document, page)) {
        content.beginText();
        content.setFont(new PDType1Font(Standard14Fonts.FontName.HELVETICA), 12);
        content.newLineAtOffset(72, 700);
        content.showText(line);
        content.endText();
      }
      if (userPassword != null) {
        StandardProtectionPolicy protection = new StandardProtectionPolicy("owner-password", userPassword, new AccessPermission());
        protection.setEncryptionKeyLength(128);
        document.protect(protection);
      }
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      document.save(out);
      return out.toByteArray();
    }
  }
}
