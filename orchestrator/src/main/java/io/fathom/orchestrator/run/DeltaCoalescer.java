package io.fathom.orchestrator.run;

import io.fathom.orchestrator.events.EventData;
import io.fathom.protocol.chat.NanbeigeOutputParser;
import io.fathom.protocol.chat.ParseEvent;
import io.fathom.protocol.tokenizer.HfTokenizer;
import io.fathom.protocol.tokenizer.IncrementalDecoder;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * Turns a round's streamed token ids into {@code model.delta} events: decodes them without ever
 * splitting a UTF-8 character, splits reasoning from content as the output parser does (tool-call
 * blocks are not shown), and coalesces — a delta at most every {@code interval}, or sooner when
 * {@link #MAX_CHARS} have gathered (a notification's payload is bounded).
 */
final class DeltaCoalescer {

  static final int MAX_CHARS = 2000;

  private final int round;
  private final IncrementalDecoder decoder;
  private final NanbeigeOutputParser parser;
  private final Consumer<EventData.ModelDelta> out;
  private final LongSupplier clock;
  private final long intervalNanos;
  private final StringBuilder reasoning = new StringBuilder();
  private final StringBuilder content = new StringBuilder();
  private long lastFlush;

  DeltaCoalescer(
      int round, HfTokenizer tokenizer, Set<String> tools, Consumer<EventData.ModelDelta> out, LongSupplier clock, long intervalNanos) {
    this.round = round;
    this.decoder = tokenizer.newIncrementalDecoder(true);
    this.parser = new NanbeigeOutputParser(tools, this::onParsed);
    this.out = out;
    this.clock = clock;
    this.intervalNanos = intervalNanos;
    this.lastFlush = clock.getAsLong();
  }

  /** New ids, in order. */
  synchronized void accept(int[] ids) {
    for (int id : ids) {
      String text = decoder.next(id);
      if (!text.isEmpty()) {
        parser.feed(text);
      }
    }
    if (clock.getAsLong() - lastFlush >= intervalNanos) {
      flush();
    }
  }

  /** The generation ended: what is gathered goes out. */
  synchronized void finish() {
    flush();
  }

  private void onParsed(ParseEvent event) {
    switch (event) {
      case ParseEvent.ReasoningDelta r -> reasoning.append(r.text());
      case ParseEvent.ContentDelta c -> content.append(c.text());
      default -> {}
    }
    if (reasoning.length() + content.length() >= MAX_CHARS) {
      flush();
    }
  }

  private void flush() {
    lastFlush = clock.getAsLong();
    if (reasoning.isEmpty() && content.isEmpty()) {
      return;
    }
    out.accept(new EventData.ModelDelta(round, reasoning.isEmpty() ? null : reasoning.toString(), content.isEmpty() ? null : content.toString()));
    reasoning.setLength(0);
    content.setLength(0);
  }
}
