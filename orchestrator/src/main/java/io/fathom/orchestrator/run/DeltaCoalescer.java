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
 * Turns what a round's model writes, as it streams, into {@code model.delta} events: reasoning and
 * content appended as they come, coalesced — a delta at most every {@code interval}, or sooner when
 * {@link #MAX_CHARS} have gathered (a notification's payload is bounded). Token streams go through
 * {@link #tokens}: decoded without ever splitting a UTF-8 character and split into reasoning and
 * content as the output parser does (tool-call blocks are not shown); chat streams give reasoning
 * and content directly.
 */
final class DeltaCoalescer {

  static final int MAX_CHARS = 2000;
  static final long INTERVAL_NANOS = 100_000_000L;

  private final int round;
  private final Consumer<EventData.ModelDelta> out;
  private final LongSupplier clock;
  private final long intervalNanos;
  private final StringBuilder reasoning = new StringBuilder();
  private final StringBuilder content = new StringBuilder();
  private long lastFlush;

  DeltaCoalescer(int round, Consumer<EventData.ModelDelta> out, LongSupplier clock, long intervalNanos) {
    this.round = round;
    this.out = out;
    this.clock = clock;
    this.intervalNanos = intervalNanos;
    this.lastFlush = clock.getAsLong();
  }

  /** A consumer of streamed token ids that feeds this coalescer. */
  Consumer<int[]> tokens(HfTokenizer tokenizer, Set<String> tools) {
    IncrementalDecoder decoder = tokenizer.newIncrementalDecoder(true);
    NanbeigeOutputParser parser =
        new NanbeigeOutputParser(
            tools,
            event -> {
              switch (event) {
                case ParseEvent.ReasoningDelta r -> append(reasoning, r.text());
                case ParseEvent.ContentDelta c -> append(content, c.text());
                default -> {}
              }
            });
    return ids -> {
      synchronized (this) {
        for (int id : ids) {
          String text = decoder.next(id);
          if (!text.isEmpty()) {
            parser.feed(text);
          }
        }
        tick();
      }
    };
  }

  /** Streamed text (either may be null). */
  synchronized void text(String reasoningPiece, String contentPiece) {
    if (reasoningPiece != null) {
      append(reasoning, reasoningPiece);
    }
    if (contentPiece != null) {
      append(content, contentPiece);
    }
    tick();
  }

  /** The generation ended: what is gathered goes out. */
  synchronized void finish() {
    flush();
  }

  private void append(StringBuilder to, String text) {
    to.append(text);
    if (reasoning.length() + content.length() >= MAX_CHARS) {
      flush();
    }
  }

  private void tick() {
    if (clock.getAsLong() - lastFlush >= intervalNanos) {
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
