package io.fathom.tools.search;

import static io.fathom.tools.search.Fixtures.utf8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fathom.tools.visit.CorpusDocument;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class CorpusStoreTest {

  private static final Duration BLOCK = Duration.ofSeconds(30);

  @TempDir Path root;
  private CorpusStore store;

  @BeforeEach
  void open() {
    store = new CorpusStore(root);
  }

  @AfterEach
  void close() throws IOException {
    store.close();
  }

  private IngestSummary ingest(String tenant, String corpus, IngestSource... sources) {
    return store.ingest(tenant, corpus, List.of(sources)).block(BLOCK);
  }

  private SearchResults search(String tenant, String corpus, String query) {
    return store.search(tenant, corpus, query, 5).block(BLOCK);
  }

  private List<String> ids(SearchResults results) {
    return results.hits().stream().map(SearchHit::id).toList();
  }

  @Test
  void ingestsEachFormatWithItsTitle() throws IOException {
    store.create("acme", "docs").block(BLOCK);
    IngestSummary summary = ingest("acme", "docs",
        IngestSource.of("notes.txt", utf8("Plain notes about the harbour master.")),
        IngestSource.of("guide.md", utf8("Intro line\n\n# Sailing Guide\n\nHow to trim a mainsail in a gust.")),
        IngestSource.of("page.html", utf8("<html><head><title>Tide Tables</title><script>var x = 'scriptword';"
            + "</script></head><body><nav>menu</nav><p>High tide at noon.</p><p>Low tide at six.</p></body></html>")),
        IngestSource.of("report.pdf", Fixtures.pdf("Annual Lighthouse Report", "The lighthouse keeper logged storms.")),
        IngestSource.of("untitled.pdf", Fixtures.pdf(null, "Barnacles grow on hulls.")));

    assertThat(summary.added()).isEqualTo(5);
    assertThat(summary.skipped()).isZero();
    assertThat(summary.complete()).isTrue();
    assertThat(summary.bytes()).isPositive();
    assertThat(title("docs", "notes.txt")).isEqualTo("notes.txt");
    assertThat(title("docs", "guide.md")).isEqualTo("Sailing Guide");
    assertThat(title("docs", "page.html")).isEqualTo("Tide Tables");
    assertThat(title("docs", "report.pdf")).isEqualTo("Annual Lighthouse Report");
    assertThat(title("docs", "untitled.pdf")).isEqualTo("untitled.pdf");

    CorpusDocument page = store.open("acme", "corpus://docs/page.html").block(BLOCK).orElseThrow();
    assertThat(page.text()).contains("High tide at noon.\nLow tide at six.").doesNotContain("scriptword", "menu");
    assertThat(search("acme", "docs", "lighthouse storms").hits().getFirst().id())
        .isEqualTo("corpus://docs/report.pdf");
    assertThat(search("acme", "docs", "scriptword").hits()).isEmpty();
  }

  @Test
  void jsonBecomesHeadingsAndLinesWithItsNameAsTitle() {
    store.create("acme", "facts").block(BLOCK);
    IngestSummary summary = ingest("acme", "facts",
        IngestSource.of("fr.json", utf8("{\"Introduction\": {\"Background\": {\"text\": \"France is a republic.\"}},"
            + " \"Geography\": {\"Area\": {\"total\": {\"text\": \"643,801 sq km\"}}, \"coast\": [\"Atlantic\", 3]}}")),
        IngestSource.of("named.json", utf8("{\"name\": \"Freedonia\", \"capital\": \"Fredville\"}")),
        IngestSource.of("broken.json", utf8("{\"open\": ")));
    assertThat(summary.added()).isEqualTo(2);
    assertThat(summary.skipped()).isEqualTo(1);
    assertThat(summary.problems()).anySatisfy(p -> assertThat(p).contains("broken.json").contains("malformed JSON"));
    CorpusDocument france = store.open("acme", "corpus://facts/fr.json").block(BLOCK).orElseThrow();
    assertThat(france.title()).isEqualTo("fr.json");
    assertThat(france.text())
        .contains("# Introduction\n\n## Background\nFrance is a republic.")
        .contains("### total\n643,801 sq km")
        .contains("Atlantic\n3")
        .doesNotContain("{", "\"");
    assertThat(title("facts", "named.json")).isEqualTo("Freedonia");
    assertThat(ids(search("acme", "facts", "republic"))).containsExactly("corpus://facts/fr.json");
  }

  private String title(String corpus, String id) {
    return store.document("acme", corpus, id).block(BLOCK).orElseThrow().title();
  }

  @Test
  void ranksTheDocumentAboutTheQueryFirstWithSnippetsMarkingTheTerms() {
    store.create("acme", "wiki").block(BLOCK);
    ingest("acme", "wiki",
        IngestSource.of("bees.md", utf8("# Honey bees\n\nHoney bees live in hives. A colony of honey bees has one"
            + " queen, thousands of workers and some drones. Bees make honey from nectar and pollinate crops.")),
        IngestSource.of("cars.md", utf8("# Electric cars\n\nElectric cars run on batteries. Charging an electric"
            + " car takes hours; the battery is the costliest part.")),
        IngestSource.of("garden.md", utf8("# Gardening\n\nA garden needs water and sun. Some gardeners keep a"
            + " hive, and bees visit the flowers.")),
        IngestSource.of("ocean.md", utf8("# The ocean\n\nThe ocean covers most of the planet; whales and fish"
            + " live there.")));

    SearchResults bees = search("acme", "wiki", "honey bees colony");
    assertThat(ids(bees)).first().isEqualTo("corpus://wiki/bees.md");
    assertThat(ids(bees)).contains("corpus://wiki/garden.md").doesNotContain("corpus://wiki/cars.md");
    assertThat(bees.hits().get(0).score()).isGreaterThan(bees.hits().get(1).score());
    assertThat(bees.hits().getFirst().title()).isEqualTo("Honey bees");
    assertThat(bees.hits().getFirst().snippets()).isNotEmpty().hasSizeLessThanOrEqualTo(3)
        .allSatisfy(s -> assertThat(s).containsIgnoringCase("**").hasSizeLessThan(400));
    assertThat(String.join(" ", bees.hits().getFirst().snippets())).contains("**Honey**", "**bees**");

    assertThat(ids(search("acme", "wiki", "battery charging"))).first().isEqualTo("corpus://wiki/cars.md");
    // Stemming: "whale" finds "whales".
    assertThat(ids(search("acme", "wiki", "whale"))).containsExactly("corpus://wiki/ocean.md");
  }

  @Test
  void titleMatchesAreBoosted() {
    store.create("acme", "t").block(BLOCK);
    ingest("acme", "t",
        IngestSource.of("a.md", utf8("# Volcano\n\nA mountain that erupts lava and ash.")),
        IngestSource.of("b.md", utf8("# Geology notes\n\nRocks, and once a volcano erupts lava and ash.")));
    assertThat(ids(search("acme", "t", "volcano"))).first().isEqualTo("corpus://t/a.md");
  }

  @ParameterizedTest
  @ValueSource(strings = {"foo AND (", "\"unterminated", "((((", "title:x body:y", "*", "a~2 b^3 [1 TO 5]", "\\",
      "-", "+-|\"()*~", "the of and"})
  void hostileQuerySyntaxDoesNotThrow(String query) {
    store.create("acme", "q").block(BLOCK);
    ingest("acme", "q", IngestSource.of("x.txt", utf8("foo bar title body")));
    assertThat(search("acme", "q", query)).isNotNull();
  }

  @Test
  void tenantsAreIsolated() {
    store.create("acme", "secret").block(BLOCK);
    ingest("acme", "secret", IngestSource.of("plan.txt", utf8("the merger plan for zebra corporation")));
    store.create("globex", "other").block(BLOCK);
    ingest("globex", "other", IngestSource.of("x.txt", utf8("unrelated text")));

    assertThat(store.list("globex").block(BLOCK)).extracting(CorpusInfo::name).containsExactly("other");
    assertThat(search("globex", null, "zebra merger").hits()).isEmpty();
    assertThatThrownBy(() -> search("globex", "secret", "zebra"))
        .isInstanceOf(SearchException.class).extracting("code").isEqualTo("not_found");
    assertThat(store.open("globex", "corpus://secret/plan.txt").block(BLOCK)).isEmpty();
    assertThat(store.open("acme", "corpus://secret/plan.txt").block(BLOCK)).isPresent();
    assertThatThrownBy(() -> ingest("globex", "secret", IngestSource.of("y.txt", utf8("y"))))
        .isInstanceOf(SearchException.class).extracting("code").isEqualTo("not_found");
    assertThatThrownBy(() -> search("nobody", null, "zebra"))
        .isInstanceOf(SearchException.class).extracting("code").isEqualTo("no_corpus");
  }

  @ParameterizedTest
  @ValueSource(strings = {"..", ".", "a/b", "../acme", "", "with space", "x\u0000y", "ünïcode",
      "a-very-long-name-that-is-longer-than-sixty-four-characters-0123456789"})
  void invalidNamesAreRefused(String name) {
    assertThatThrownBy(() -> store.create(name, "docs").block(BLOCK))
        .isInstanceOf(SearchException.class).extracting("code").isEqualTo("invalid_name");
    assertThatThrownBy(() -> store.create("acme", name).block(BLOCK))
        .isInstanceOf(SearchException.class).extracting("code").isEqualTo("invalid_name");
    assertThatThrownBy(() -> store.search("acme", name, "x", 5).block(BLOCK))
        .isInstanceOf(SearchException.class).extracting("code").isEqualTo("invalid_name");
    assertThat(store.open(name, "corpus://docs/x").block(BLOCK)).isEmpty();
  }

  @Test
  void symbolicLinksInTheRootAreNotFollowed() throws IOException {
    Path outside = Files.createDirectories(root.resolveSibling(root.getFileName() + "-outside"));
    Files.createSymbolicLink(root.resolve("mallory"), outside);
    assertThatThrownBy(() -> store.create("mallory", "docs").block(BLOCK))
        .isInstanceOf(SearchException.class).extracting("code").isEqualTo("invalid_name");
    assertThat(outside).isEmptyDirectory();
    Files.delete(root.resolve("mallory"));
    Files.delete(outside);
  }

  @Test
  void createListDelete() {
    assertThat(store.list("acme").block(BLOCK)).isEmpty();
    store.create("acme", "b").block(BLOCK);
    store.create("acme", "a").block(BLOCK);
    assertThatThrownBy(() -> store.create("acme", "a").block(BLOCK))
        .isInstanceOf(SearchException.class).extracting("code").isEqualTo("corpus_exists");
    ingest("acme", "a", IngestSource.of("x.txt", utf8("some text")));
    assertThat(store.list("acme").block(BLOCK)).containsExactly(new CorpusInfo("a", 1), new CorpusInfo("b", 0));

    assertThat(store.delete("acme", "a").block(BLOCK)).isTrue();
    assertThat(store.delete("acme", "a").block(BLOCK)).isFalse();
    assertThat(root.resolve("acme/a")).doesNotExist();
    assertThat(store.list("acme").block(BLOCK)).containsExactly(new CorpusInfo("b", 0));
    store.create("acme", "a").block(BLOCK);
    assertThat(search("acme", "a", "text").hits()).isEmpty();
  }

  @Test
  void corporaSurviveReopeningTheStore() throws IOException {
    store.create("acme", "docs").block(BLOCK);
    ingest("acme", "docs", IngestSource.of("x.txt", utf8("persistent penguins")));
    store.close();
    store = new CorpusStore(root);
    assertThat(ids(search("acme", null, "penguins"))).containsExactly("corpus://docs/x.txt");
  }

  @Test
  void reingestingAnIdReplacesIt() {
    store.create("acme", "docs").block(BLOCK);
    ingest("acme", "docs", IngestSource.of("x.txt", utf8("old words about otters")));
    IngestSummary again = ingest("acme", "docs",
        IngestSource.of("x.txt", utf8("new words about beavers")),
        IngestSource.of("notes.txt", "custom-id", utf8("given id about beavers")));
    assertThat(again.added()).isEqualTo(1);
    assertThat(again.replaced()).isEqualTo(1);
    assertThat(search("acme", "docs", "otters").hits()).isEmpty();
    assertThat(ids(search("acme", "docs", "beavers")))
        .containsExactlyInAnyOrder("corpus://docs/x.txt", "corpus://docs/custom-id");
    assertThat(store.list("acme").block(BLOCK)).containsExactly(new CorpusInfo("docs", 2));
  }

  @Test
  void searchesAllCorporaOfTheTenant() {
    store.create("acme", "one").block(BLOCK);
    store.create("acme", "two").block(BLOCK);
    ingest("acme", "one", IngestSource.of("a.txt", utf8("glaciers melt slowly")));
    ingest("acme", "two", IngestSource.of("b.txt", utf8("glaciers and icebergs of the arctic glaciers")));
    assertThat(ids(search("acme", null, "glaciers")))
        .containsExactly("corpus://two/b.txt", "corpus://one/a.txt");
  }

  @Test
  void opensCorpusIds() {
    store.create("acme", "docs").block(BLOCK);
    ingest("acme", "docs", IngestSource.of("My Notes.md", "dir/My Notes.md", utf8("# Notes\n\nLine one.\nLine two.")));
    Optional<CorpusDocument> document = store.open("acme", "corpus://docs/dir/My Notes.md").block(BLOCK);
    assertThat(document).contains(new CorpusDocument("corpus://docs/dir/My Notes.md", "Notes",
        "# Notes\n\nLine one.\nLine two."));
    assertThat(store.open("acme", "corpus://docs/dir/My%20Notes.md").block(BLOCK)).isPresent();
    assertThat(store.open("acme", "CORPUS://docs/dir/My Notes.md").block(BLOCK)).isPresent();
    assertThat(store.open("acme", "corpus://docs/missing").block(BLOCK)).isEmpty();
    assertThat(store.open("acme", "corpus://nope/dir/My Notes.md").block(BLOCK)).isEmpty();
    assertThat(store.open("acme", "corpus://docs").block(BLOCK)).isEmpty();
    assertThat(store.open("acme", "https://example.com").block(BLOCK)).isEmpty();
  }

  @Test
  void archivesAreExpandedWithPathIds() throws IOException {
    store.create("acme", "arc").block(BLOCK);
    Map<String, byte[]> entries = new LinkedHashMap<>();
    entries.put("docs/", new byte[0]);
    entries.put("docs/a.md", utf8("# Alpha\n\nAardvarks dig."));
    entries.put("./docs/b.html", utf8("<title>Beta</title><p>Badgers burrow.</p>"));
    entries.put("c.pdf", Fixtures.pdf("Gamma", "Capybaras swim."));
    entries.put("README", utf8("no extension, sniffed as text: dingoes"));
    entries.put("image.png", new byte[] {(byte) 0x89, 'P', 'N', 'G', 0, 0, 0, 13, 0, 1, 2});
    Map<String, byte[]> tarEntries = new LinkedHashMap<>(entries);
    tarEntries.remove("docs/");

    IngestSummary zip = ingest("acme", "arc", IngestSource.of("bundle.zip", Fixtures.zip(entries)));
    assertThat(zip.added()).isEqualTo(4);
    assertThat(zip.skipped()).isEqualTo(1);
    assertThat(zip.problems()).singleElement().asString().startsWith("bundle.zip!/image.png: unsupported");
    assertThat(ids(search("acme", "arc", "badgers"))).containsExactly("corpus://arc/docs/b.html");
    assertThat(title("arc", "docs/b.html")).isEqualTo("Beta");
    assertThat(title("arc", "c.pdf")).isEqualTo("Gamma");

    IngestSummary tgz = ingest("acme", "arc",
        IngestSource.of("bundle.tar.gz", "t", Fixtures.tar(tarEntries, true, true)),
        IngestSource.of("plain.tar", "p", Fixtures.tar(Map.of("x.txt", utf8("emus run")), false, false)),
        IngestSource.of("sniffed", "s", Fixtures.tar(Map.of("y.txt", utf8("ferrets play")), true, false)));
    assertThat(tgz.added()).isEqualTo(6);
    assertThat(tgz.skipped()).isEqualTo(3); // the png, the symbolic link and the device
    assertThat(tgz.problems()).anyMatch(p -> p.contains("evil-link: a link"))
        .anyMatch(p -> p.contains("dev-null: a device"));
    assertThat(ids(search("acme", "arc", "aardvarks")))
        .containsExactlyInAnyOrder("corpus://arc/docs/a.md", "corpus://arc/t/docs/a.md");
    assertThat(ids(search("acme", "arc", "emus"))).containsExactly("corpus://arc/p/x.txt");
    assertThat(ids(search("acme", "arc", "ferrets"))).containsExactly("corpus://arc/s/y.txt");
  }

  @Test
  void unsafeArchiveEntriesAreRefused() throws IOException {
    store.create("acme", "arc").block(BLOCK);
    Map<String, byte[]> entries = new LinkedHashMap<>();
    entries.put("../escape.txt", utf8("escaped walrus"));
    entries.put("/etc/absolute.txt", utf8("absolute walrus"));
    entries.put("a/../../b.txt", utf8("sneaky walrus"));
    entries.put("C:\\windows.txt", utf8("drive walrus"));
    entries.put("fine.txt", utf8("fine walrus"));
    IngestSummary zip = ingest("acme", "arc",
        IngestSource.of("z.zip", Fixtures.zip(entries)),
        IngestSource.of("t.tar", Fixtures.tar(entries, false, false)),
        IngestSource.of("links.zip", Fixtures.zipWithSymlink()));
    assertThat(zip.added()).isEqualTo(2); // fine.txt (zip and tar share the id) and ok.txt
    assertThat(zip.replaced()).isEqualTo(1);
    assertThat(zip.skipped()).isEqualTo(9);
    assertThat(zip.problems()).anyMatch(p -> p.equals("z.zip!/../escape.txt: a path with '..'"))
        .anyMatch(p -> p.equals("t.tar!//etc/absolute.txt: an absolute path"))
        .anyMatch(p -> p.equals("links.zip!/link.txt: a link"));
    assertThat(ids(search("acme", "arc", "walrus"))).containsExactly("corpus://arc/fine.txt");
  }

  @Test
  void zipBombsAreRefusedWhileStreaming() throws IOException {
    IngestSettings settings = new IngestSettings(64L << 20, 1000, 1L << 30, 100, 20);
    try (CorpusStore bounded = new CorpusStore(root.resolve("bounded"), settings,
        reactor.core.scheduler.Schedulers.boundedElastic())) {
      bounded.create("acme", "arc").block(BLOCK);
      Map<String, byte[]> entries = new LinkedHashMap<>();
      entries.put("first.txt", utf8("a normal document about quokkas"));
      entries.put("bomb.txt", new byte[50 << 20]);
      entries.put("after.txt", utf8("never read"));
      IngestSummary summary =
          bounded.ingest("acme", "arc", List.of(
              IngestSource.of("bomb.zip", Fixtures.zip(entries)),
              IngestSource.of("bomb.tar.gz", "t", Fixtures.tar(entries, true, false)))).block(BLOCK);
      assertThat(summary.added()).isEqualTo(2);
      assertThat(summary.problems()).hasSize(2).allMatch(p -> p.contains("refused as a zip bomb"));
      assertThat(summary.bytes()).isLessThan(8L << 20);
    }
  }

  @Test
  void limitsOnDocumentsEntriesAndTotalBytes() throws IOException {
    IngestSettings settings = new IngestSettings(2048, 3, 8192, 100, 2);
    try (CorpusStore bounded = new CorpusStore(root.resolve("bounded"), settings,
        reactor.core.scheduler.Schedulers.boundedElastic())) {
      bounded.create("acme", "c").block(BLOCK);
      Map<String, byte[]> five = new LinkedHashMap<>();
      for (int i = 0; i < 5; i++) {
        five.put(i + ".txt", utf8("entry " + i));
      }
      IngestSummary summary = bounded.ingest("acme", "c", List.of(
          IngestSource.of("big.txt", utf8("x ".repeat(2000))),
          IngestSource.of("five.zip", Fixtures.zip(five)),
          IngestSource.of("fill1.txt", utf8("y ".repeat(1000))),
          IngestSource.of("fill2.txt", utf8("y ".repeat(1000))),
          IngestSource.of("fill3.txt", utf8("y ".repeat(1000))),
          IngestSource.of("never.txt", utf8("never read")))).block(BLOCK);
      assertThat(summary.complete()).isFalse();
      assertThat(summary.skipped()).isEqualTo(2);
      assertThat(summary.problems()).hasSize(2);
      assertThat(summary.problems().get(0)).startsWith("big.txt: larger than 2048 bytes");
      assertThat(summary.problems().get(1)).startsWith("five.zip: declares 5 entries, more than 3");
      assertThat(summary.added()).isEqualTo(2);
    }
  }

  @Test
  void brokenFilesAreSkippedNotFatal() {
    store.create("acme", "b").block(BLOCK);
    IngestSummary summary = ingest("acme", "b",
        IngestSource.of("broken.pdf", utf8("%PDF-1.7 this is not really a pdf")),
        IngestSource.of("broken.zip", utf8("PK\u0003\u0004 truncated")),
        IngestSource.of("empty.txt", new byte[0]),
        IngestSource.of("word.docx", Fixtures.utf8("PK\u0003\u0004 x")),
        IngestSource.of("binary.bin", new byte[] {1, 2, 0, 3}),
        new IngestSource("io.txt", null, () -> {
          throw new IOException("disk on fire");
        }),
        IngestSource.of("good.txt", utf8("good document about owls")));
    assertThat(summary.added()).isEqualTo(1);
    assertThat(summary.skipped()).isEqualTo(6);
    assertThat(summary.problems()).anyMatch(p -> p.startsWith("broken.pdf: unreadable PDF"))
        .anyMatch(p -> p.startsWith("io.txt: unreadable: disk on fire"))
        .anyMatch(p -> p.startsWith("empty.txt: no text"));
  }
}
