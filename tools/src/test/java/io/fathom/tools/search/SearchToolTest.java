package io.fathom.tools.search;

import static io.fathom.tools.search.Fixtures.utf8;
import static org.assertj.core.api.Assertions.assertThat;

import io.fathom.tools.ToolContext;
import io.fathom.tools.ToolResult;
import io.fathom.tools.visit.VisitSettings;
import io.fathom.tools.visit.VisitTool;
import io.fathom.tools.net.OutboundPolicy;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import tools.jackson.databind.json.JsonMapper;

class SearchToolTest {

  private static final JsonMapper JSON = JsonMapper.builder().build();
  private static final Duration BLOCK = Duration.ofSeconds(30);
  private static final ToolContext ACME = new ToolContext(UUID.randomUUID(), "acme", "call-1", null);

  @TempDir Path root;
  private CorpusStore store;
  private SearchTool tool;

  @BeforeEach
  void open() {
    store = new CorpusStore(root);
    store.create("acme", "fauna").block(BLOCK);
    store.create("acme", "flora").block(BLOCK);
    store.ingest("acme", "fauna", List.of(
        IngestSource.of("owls.md", utf8("# Owls\n\nOwls hunt at night. Barn owls eat mice and voles.")),
        IngestSource.of("otters.md", utf8("# Otters\n\nOtters swim in rivers and eat fish.")))).block(BLOCK);
    store.ingest("acme", "flora", List.of(
        IngestSource.of("oaks.md", utf8("# Oaks\n\nOak trees live for centuries; owls nest in old oaks.")))).block(BLOCK);
    tool = new SearchTool(SearchSettings.corpus(), store);
  }

  @AfterEach
  void close() throws IOException {
    tool.close();
    store.close();
  }

  private ToolResult call(String arguments) {
    return call(arguments, ACME);
  }

  private ToolResult call(String arguments, ToolContext context) {
    return tool.call(JSON.readTree(arguments), context).block(BLOCK);
  }

  @Test
  void describesItself() {
    assertThat(tool.name()).isEqualTo("search");
    assertThat(tool.idempotent()).isTrue();
    assertThat(tool.parameters().get("properties").propertyNames()).contains("query", "queries", "corpus", "top_k");
    assertThat(tool.description()).contains("corpus://", "visit");
  }

  @Test
  void listsNumberedHitsWithTitleIdAndSnippets() {
    ToolResult result = call("{\"query\": \"owls hunting\"}");
    assertThat(result).isInstanceOf(ToolResult.Success.class);
    assertThat(result.text())
        .startsWith("Searched all corpora, top 5 per query.\n\nQuery: \"owls hunting\"\n1. Owls\n"
            + "   id: corpus://fauna/owls.md (score ")
        .contains("   > # **Owls** **Owls** **hunt** at night. Barn **owls** eat mice")
        .contains("2. Oaks\n   id: corpus://flora/oaks.md")
        .contains("Read a whole document with visit");
    assertThat(((ToolResult.Success) result).metadata()).containsEntry("hits", 2).containsEntry("queries", 1);
  }

  @Test
  void runsSeveralQueriesInOrder() {
    ToolResult result = call("{\"queries\": [\"otters\", \"oak trees\", \"zzzunknown\"], \"top_k\": 1}");
    assertThat(result.text()).contains(
        "Query 1: \"otters\"\n1. Otters\n   id: corpus://fauna/otters.md",
        "Query 2: \"oak trees\"\n1. Oaks",
        "Query 3: \"zzzunknown\"\n(no results)");
    assertThat(result.text()).doesNotContain("2. ");
  }

  @Test
  void searchesOneCorpusOrTheDefault() {
    assertThat(call("{\"query\": \"owls\", \"corpus\": \"flora\"}").text())
        .contains("Searched corpus 'flora'", "corpus://flora/oaks.md").doesNotContain("fauna");
    try (SearchTool scoped = new SearchTool(SearchSettings.corpus("fauna"), store)) {
      assertThat(scoped.call(JSON.readTree("{\"query\": \"owls\"}"), ACME).block(BLOCK).text())
          .contains("corpus://fauna/owls.md").doesNotContain("flora");
    }
    ToolResult missing = call("{\"query\": \"owls\", \"corpus\": \"nope\"}");
    assertThat(missing).isEqualTo(ToolResult.failure("not_found", "there is no corpus named 'nope'"));
  }

  @Test
  void anotherTenantSeesNothing() {
    ToolContext globex = new ToolContext(UUID.randomUUID(), "globex", "call-2", null);
    assertThat(call("{\"query\": \"owls\"}", globex))
        .isInstanceOf(ToolResult.Failure.class).extracting(r -> ((ToolResult.Failure) r).code()).isEqualTo("no_corpus");
    assertThat(call("{\"query\": \"owls\", \"corpus\": \"fauna\"}", globex).text()).contains("not_found");
    assertThat(call("{\"query\": \"owls\"}", new ToolContext(UUID.randomUUID(), null, "c", null)))
        .isInstanceOf(ToolResult.Failure.class).extracting(r -> ((ToolResult.Failure) r).code()).isEqualTo("no_tenant");
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "{}",
      "{\"query\": \"\"}",
      "{\"query\": 5}",
      "{\"query\": \"a\", \"queries\": [\"b\"]}",
      "{\"queries\": []}",
      "{\"queries\": [\"1\",\"2\",\"3\",\"4\",\"5\",\"6\",\"7\",\"8\",\"9\",\"10\",\"11\"]}",
      "{\"queries\": [\"ok\", 3]}",
      "{\"query\": \"a\", \"top_k\": 0}",
      "{\"query\": \"a\", \"top_k\": 21}",
      "{\"query\": \"a\", \"top_k\": 2.5}",
      "{\"query\": \"a\", \"corpus\": \"../x\"}",
      "{\"query\": \"a\", \"colour\": \"red\"}",
      "[]"})
  void badArgumentsAreFailuresNamingTheField(String arguments) {
    ToolResult result = call(arguments);
    assertThat(result).isInstanceOf(ToolResult.Failure.class);
    assertThat(((ToolResult.Failure) result).code()).isEqualTo("invalid_arguments");
  }

  @Test
  void limitsAreNamedInTheMessage() {
    assertThat(call("{\"query\": \"" + "x".repeat(501) + "\"}").text())
        .isEqualTo("Error (invalid_arguments): \"query\" is 501 characters long; the limit is 500");
    assertThat(call("{\"queries\": [\"ok\", \"" + "y".repeat(600) + "\"]}").text())
        .contains("\"queries[1]\" is 600 characters long; the limit is 500");
    assertThat(call("{\"query\": \"a\", \"top_k\": 50}").text())
        .contains("\"top_k\" must be an integer from 1 to 20");
    assertThat(call("{\"queries\": [\"1\",\"2\",\"3\",\"4\",\"5\",\"6\",\"7\",\"8\",\"9\",\"10\",\"11\"]}").text())
        .contains("\"queries\" must be an array of 1 to 10 strings, had 11");
  }

  @Test
  void hostileSyntaxIsSearchedNotThrown() {
    ToolResult result = call("{\"queries\": [\"owls AND (\", \"\\\"unterminated\", \"title:owls^\", \"*:*\", \"-\"]}");
    assertThat(result).isInstanceOf(ToolResult.Success.class);
    assertThat(result.text()).contains("Query 1: \"owls AND (\"\n1. Owls");
  }

  @Test
  void longOutputIsTruncatedWithANote() {
    try (SearchTool small = new SearchTool(SearchSettings.corpus().withMaxOutputChars(300), store)) {
      String text = small.call(JSON.readTree("{\"queries\": [\"owls\", \"otters\", \"oaks\"]}"), ACME)
          .block(BLOCK).text();
      assertThat(text).hasSizeLessThanOrEqualTo(300).contains("[output truncated: showing the first");
    }
  }

  @Test
  void visitOpensTheHitsIds() {
    try (VisitTool visit = new VisitTool(new OutboundPolicy(List.of(), reactor.core.scheduler.Schedulers.boundedElastic()), VisitSettings.defaults(), store)) {
      ToolResult result = visit.call(JSON.readTree("{\"url\": \"corpus://fauna/owls.md\"}"), ACME).block(BLOCK);
      assertThat(result.text()).contains("Title: Owls", "URL: corpus://fauna/owls.md", "Barn owls eat mice");
      ToolContext globex = new ToolContext(UUID.randomUUID(), "globex", "c", null);
      assertThat(visit.call(JSON.readTree("{\"url\": \"corpus://fauna/owls.md\"}"), globex).block(BLOCK).text())
          .startsWith("Error (not_found)");
    }
  }
}
