package io.fathom.protocol.chat;

import io.fathom.protocol.chat.ParseEvent.ContentDelta;
import io.fathom.protocol.chat.ParseEvent.ReasoningDelta;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;

/** Test helper: runs a parser over chunks and keeps every event. */
record ParserRun(List<ParseEvent> events, ParsedTurn turn) {

  static final Set<String> TOOLS = Set.of("get_weather", "web_search", "查询");

  static ParserRun of(List<String> chunks, String finishReason, ReasoningStart start, Set<String> tools) {
    List<ParseEvent> events = new ArrayList<>();
    NanbeigeOutputParser parser = new NanbeigeOutputParser(tools, start, events::add);
    for (String chunk : chunks) {
      parser.feed(chunk);
    }
    ParsedTurn turn = parser.finish(finishReason);
    return new ParserRun(events, turn);
  }

  static ParserRun whole(String text, String finishReason, ReasoningStart start) {
    return of(List.of(text), finishReason, start, TOOLS);
  }

  static ParserRun whole(String text, String finishReason) {
    return whole(text, finishReason, ReasoningStart.DETECT);
  }

  static ParserRun whole(String text) {
    return whole(text, "stop");
  }

  /** The events with adjacent deltas of the same type merged: what must not depend on chunking. */
  List<ParseEvent> coalesced() {
    return coalesce(events);
  }

  static List<ParseEvent> coalesce(List<ParseEvent> events) {
    List<ParseEvent> merged = new ArrayList<>();
    for (ParseEvent event : events) {
      ParseEvent last = merged.isEmpty() ? null : merged.getLast();
      if (event instanceof ReasoningDelta(String text) && last instanceof ReasoningDelta(String before)) {
        merged.set(merged.size() - 1, new ReasoningDelta(before + text));
      } else if (event instanceof ContentDelta(String text) && last instanceof ContentDelta(String before)) {
        merged.set(merged.size() - 1, new ContentDelta(before + text));
      } else {
        merged.add(event);
      }
    }
    return merged;
  }

  /** {@code text} cut at the given increasing positions. */
  static List<String> splitAt(String text, int... cuts) {
    List<String> chunks = new ArrayList<>();
    int from = 0;
    for (int cut : cuts) {
      chunks.add(text.substring(from, cut));
      from = cut;
    }
    chunks.add(text.substring(from));
    return chunks;
  }

  /** One chunk per UTF-16 char (so surrogate pairs are split too). */
  static List<String> singleChars(String text) {
    List<String> chunks = new ArrayList<>();
    for (int i = 0; i < text.length(); i++) {
      chunks.add(String.valueOf(text.charAt(i)));
    }
    return chunks;
  }

  static List<String> randomChunks(String text, Random random, int maxChunk) {
    List<String> chunks = new ArrayList<>();
    int from = 0;
    while (from < text.length()) {
      int to = Math.min(text.length(), from + 1 + random.nextInt(maxChunk));
      chunks.add(text.substring(from, to));
      from = to;
    }
    return chunks;
  }
}
