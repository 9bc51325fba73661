package io.fathom.protocol.chat;

import static org.assertj.core.api.Assertions.assertThat;

import io.fathom.protocol.chat.ParseEvent.ContentDelta;
import io.fathom.protocol.chat.ParseEvent.ParseError;
import io.fathom.protocol.chat.ParseEvent.ReasoningDelta;
import io.fathom.protocol.chat.ParseEvent.ToolCallParsed;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;
import tools.jackson.databind.node.StringNode;

/**
 * Generates random turns (reasoning, content, 0..3 calls with random JSON arguments, sometimes a bare call),
 * renders them the way the chat template does, and checks that parsing the text, cut into random chunks,
 * gives back exactly what was generated.
 */
class RandomizedRoundTripTest {

  private static final int CASES = 400;
  private static final long SEED = 0x5EED_FA7401L;
  private static final JsonMapper JSON = JsonMapper.builder().build();
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
  private static final List<String> NAMES = ParserRun.TOOLS.stream().sorted().toList();
  private static final List<String> FRAGMENTS =
      List.of("a", "b", "Z", "9", " ", "  ", "\n", "\n\n", "\t", "<", "</", ">", "/", "_", "<thin", "think>",
          "<tool_", "tool_call", "call>", "</tool", "<div>", "x < y", "é", "中文", "😀", "{", "}", "\"", "\\", ":");
  private static final List<String> TAGS = List.of("<think>", "</think>", "<tool_call>", "</tool_call>");

  /** A generated call: valid ones carry their arguments, a bare one is just a name. */
  private record Call(String name, ObjectNode arguments, Style style) {}

  private enum Style { PYTHON_SEPARATORS, COMPACT, PRETTY, ARGUMENTS_AS_STRING, BARE }

  private record Turn(boolean withThink, String reasoning, String content, List<Call> calls) {}

  /** How the think block is written: by the output, or by the prompt (so absent from the output). */
  private enum Variant { EXPLICIT, IMPLICIT_DETECT, IMPLICIT_OPENED_BY_PROMPT }

  @Test
  void generatedTurnsRoundTripUnderRandomChunkings() {
    for (int i = 0; i < CASES; i++) {
      long seed = SEED + i;
      Random random = new Random(seed);
      Turn turn = randomTurn(random);
      List<Variant> variants =
          turn.withThink() ? List.of(Variant.values()) : List.of(Variant.EXPLICIT);
      for (Variant variant : variants) {
        String text = render(turn, variant);
        ReasoningStart start =
            variant == Variant.IMPLICIT_OPENED_BY_PROMPT ? ReasoningStart.OPENED_BY_PROMPT : ReasoningStart.DETECT;
        String finish = random.nextInt(4) == 0 ? "length" : "stop";
        String how = "seed " + seed + ", " + variant + ", text " + JSON.writeValueAsString(text);

        ParserRun whole = ParserRun.whole(text, finish, start);
        assertMatches(whole, turn, finish, how);
        for (int chunking = 0; chunking < 4; chunking++) {
          List<String> chunks = ParserRun.randomChunks(text, random, 1 + random.nextInt(12));
          ParserRun run = ParserRun.of(chunks, finish, start, ParserRun.TOOLS);
          assertThat(run.coalesced()).as(how + ", chunks " + chunks).isEqualTo(whole.coalesced());
          assertThat(run.turn()).as(how + ", chunks " + chunks).isEqualTo(whole.turn());
        }
      }
    }
  }

  private static void assertMatches(ParserRun run, Turn turn, String finish, String how) {
    List<ToolCallParsed> expectedCalls = new ArrayList<>();
    List<ParseEvent> expectedEvents = new ArrayList<>();
    if (!turn.reasoning().isEmpty()) {
      expectedEvents.add(new ReasoningDelta(turn.reasoning()));
    }
    if (!turn.content().isEmpty()) {
      expectedEvents.add(new ContentDelta(turn.calls().isEmpty() ? turn.content() : turn.content() + "\n"));
    }
    for (int i = 0; i < turn.calls().size(); i++) {
      Call call = turn.calls().get(i);
      if (i > 0) {
        expectedEvents.add(new ContentDelta("\n"));
      }
      if (call.style() == Style.BARE) {
        expectedEvents.add(new ParseError(ParseErrorKind.BARE_TOOL_CALL, "(any)", "\n" + call.name() + "\n"));
      } else {
        ToolCallParsed parsed =
            new ToolCallParsed(expectedCalls.size(), call.name(), JSON.writeValueAsString(call.arguments()));
        expectedCalls.add(parsed);
        expectedEvents.add(parsed);
      }
    }

    assertThat(run.turn().reasoning()).as(how).isEqualTo(turn.reasoning());
    assertThat(run.turn().content()).as(how).isEqualTo(turn.content());
    assertThat(run.turn().toolCalls()).as(how).isEqualTo(expectedCalls);
    assertThat(run.turn().finishReason()).as(how).isEqualTo(finish);
    assertThat(withoutDetails(run.coalesced())).as(how).isEqualTo(withoutDetails(expectedEvents));
  }

  private static List<ParseEvent> withoutDetails(List<ParseEvent> events) {
    return events.stream()
        .map(e -> e instanceof ParseError(ParseErrorKind kind, String detail, String raw)
            ? new ParseError(kind, "(any)", raw)
            : e)
        .toList();
  }

  private static Turn randomTurn(Random random) {
    boolean withThink = random.nextInt(5) != 0;
    String reasoning = withThink ? randomText(random, 12) : "";
    String content = random.nextInt(3) == 0 ? "" : randomText(random, 10).strip();
    List<Call> calls = new ArrayList<>();
    int count = random.nextInt(4);
    for (int i = 0; i < count; i++) {
      String name = NAMES.get(random.nextInt(NAMES.size()));
      Style style = Style.values()[random.nextInt(Style.values().length)];
      calls.add(new Call(name, style == Style.BARE ? null : randomObject(random, 0), style));
    }
    return new Turn(withThink, reasoning, content, calls);
  }

  private static String randomText(Random random, int maxFragments) {
    while (true) {
      StringBuilder text = new StringBuilder();
      int fragments = random.nextInt(maxFragments + 1);
      for (int i = 0; i < fragments; i++) {
        text.append(FRAGMENTS.get(random.nextInt(FRAGMENTS.size())));
      }
      String candidate = text.toString();
      if (TAGS.stream().noneMatch(candidate::contains)) {
        return candidate;
      }
    }
  }

  private static ObjectNode randomObject(Random random, int depth) {
    ObjectNode object = NODES.objectNode();
    int size = random.nextInt(depth == 0 ? 4 : 3);
    for (int i = 0; i < size; i++) {
      object.set(randomText(random, 2) + i, randomValue(random, depth + 1));
    }
    return object;
  }

  private static JsonNode randomValue(Random random, int depth) {
    int pick = random.nextInt(depth > 2 ? 5 : 7);
    return switch (pick) {
      case 0 -> NODES.stringNode(randomText(random, 6));
      case 1 -> NODES.numberNode(random.nextInt(2_000_001) - 1_000_000);
      case 2 -> NODES.booleanNode(random.nextBoolean());
      case 3 -> NODES.nullNode();
      case 4 -> NODES.numberNode(random.nextLong());
      case 5 -> randomObject(random, depth);
      default -> {
        ArrayNode array = NODES.arrayNode();
        int size = random.nextInt(3);
        for (int i = 0; i < size; i++) {
          array.add(randomValue(random, depth + 1));
        }
        yield array;
      }
    };
  }

  /** The assistant turn as the chat template renders it, without the trailing {@code <|im_end|>}. */
  private static String render(Turn turn, Variant variant) {
    StringBuilder text = new StringBuilder();
    if (turn.withThink()) {
      text.append(variant == Variant.EXPLICIT ? "<think>\n" : "").append(turn.reasoning()).append("\n</think>\n\n");
    }
    text.append(turn.content());
    for (int i = 0; i < turn.calls().size(); i++) {
      if (i > 0 || !turn.content().isEmpty()) {
        text.append('\n');
      }
      Call call = turn.calls().get(i);
      text.append("<tool_call>\n");
      if (call.style() == Style.BARE) {
        text.append(call.name());
      } else {
        text.append("{\"name\": ").append(JSON.writeValueAsString(call.name())).append(", \"arguments\": ")
            .append(renderArguments(call)).append('}');
      }
      text.append("\n</tool_call>");
    }
    return text.toString();
  }

  private static String renderArguments(Call call) {
    return switch (call.style()) {
      case COMPACT -> JSON.writeValueAsString(call.arguments());
      case PRETTY -> JSON.writerWithDefaultPrettyPrinter().writeValueAsString(call.arguments());
      case ARGUMENTS_AS_STRING ->
          JSON.writeValueAsString(new StringNode(pythonStyle(call.arguments())));
      case PYTHON_SEPARATORS, BARE -> pythonStyle(call.arguments());
    };
  }

  /** JSON with {@code ", "} and {@code ": "} separators, like Python's json.dumps (non-ASCII kept). */
  private static String pythonStyle(JsonNode node) {
    if (node.isObject()) {
      List<String> members = new ArrayList<>();
      for (Map.Entry<String, JsonNode> member : node.properties()) {
        members.add(JSON.writeValueAsString(member.getKey()) + ": " + pythonStyle(member.getValue()));
      }
      return "{" + String.join(", ", members) + "}";
    }
    if (node.isArray()) {
      List<String> elements = new ArrayList<>();
      for (JsonNode element : node) {
        elements.add(pythonStyle(element));
      }
      return "[" + String.join(", ", elements) + "]";
    }
    return JSON.writeValueAsString(node);
  }
}
