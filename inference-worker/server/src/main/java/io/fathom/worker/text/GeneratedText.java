package io.fathom.worker.text;

import io.fathom.engine.runtime.FinishReason;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.IntPredicate;

/**
 * The text of one generation as its tokens arrive, shared by the chat and the completions endpoints: decodes
 * each id in the prompt's context, leaves out a stop token's own text (unless the request keeps stop text),
 * applies the stop strings, keeps the ids, and works out vLLM's {@code stop_reason}: the stop string that ended
 * the text, or the requested stop token id that did, or nothing (the end of sequence, a length limit). Not
 * thread-safe.
 */
public final class GeneratedText {

  private final OutputDecoder decoder;
  private final StopStrings stops;
  private final Set<Integer> stopIds = new HashSet<>();
  private final boolean keepStopText;
  private final IntPredicate endsByDefault;
  private final List<Integer> tokens = new ArrayList<>();
  private String stopString;
  private int stopTokenId = -1;
  private boolean finished;

  /**
   * @param stopTokenIds every id that ends the generation (the requested ones and the model's own)
   * @param keepStopText {@code include_stop_str_in_output}: the stop string or stop token stays in the text
   * @param endsByDefault the ids that end every generation of this model and request (end of sequence, end of
   *     turn, unless {@code ignore_eos}): ending on one gives no {@code stop_reason}
   */
  public GeneratedText(
      OutputDecoder decoder, StopStrings stops, Collection<Integer> stopTokenIds, boolean keepStopText,
      IntPredicate endsByDefault) {
    this.decoder = decoder;
    this.stops = stops;
    stopIds.addAll(stopTokenIds);
    this.keepStopText = keepStopText;
    this.endsByDefault = endsByDefault;
  }

  /** The text {@code id} releases (possibly empty), or null once a stop string or {@link #finish} has ended it. */
  public String accept(int id) {
    if (stopString != null || finished) {
      return null;
    }
    tokens.add(id);
    boolean stopToken = stopIds.contains(id) && !keepStopText;
    StopStrings.Result r = stops.feed(stopToken ? "" : decoder.next(id));
    if (r.stopped()) {
      stopString = r.stop();
    }
    return r.text();
  }

  /** The rest of the text when the generation ends for {@code reason}: "" once a stop string has ended it. */
  public String finish(FinishReason reason) {
    boolean ended = stopString != null || finished;
    finished = true;
    if (ended) {
      return "";
    }
    StopStrings.Result r = stops.feed(decoder.finish());
    if (r.stopped()) {
      stopString = r.stop();
      return r.text();
    }
    if (reason == FinishReason.STOP && !tokens.isEmpty()) {
      int last = tokens.getLast();
      if (stopIds.contains(last) && !endsByDefault.test(last)) {
        stopTokenId = last;
      }
    }
    return r.text() + stops.flush();
  }

  /** Whether a stop string ended the text. */
  public boolean stoppedByString() {
    return stopString != null;
  }

  /** The stop string that ended the text, or null. */
  public String stopString() {
    return stopString;
  }

  /** The requested stop token id that ended the generation (known after {@link #finish}), or -1. */
  public int stopTokenId() {
    return stopTokenId;
  }

  /** The generated ids so far. */
  public List<Integer> tokens() {
    return tokens;
  }
}
