package io.fathom.worker.text;

import java.util.List;

/**
 * Finds stop strings in text that arrives in pieces. Text that could still be the start of a stop string is
 * held back until it is certain; the first stop string found ends the text (by default without it, as in
 * OpenAI and vLLM). Not thread-safe.
 */
public final class StopStrings {

  /** What a piece of text released: the text that is certain now, and the stop string if one was found. */
  public record Result(String text, String stop) {
    public boolean stopped() {
      return stop != null;
    }
  }

  private final List<String> stops;
  private final boolean includeStop;
  private final StringBuilder held = new StringBuilder();
  private boolean stopped;

  public StopStrings(List<String> stops, boolean includeStop) {
    this.stops = List.copyOf(stops);
    this.includeStop = includeStop;
  }

  public boolean isEmpty() {
    return stops.isEmpty();
  }

  public boolean stopped() {
    return stopped;
  }

  /** Takes the next piece of text. After a stop, everything is ignored. */
  public Result feed(String text) {
    if (stopped) {
      return new Result("", null);
    }
    if (stops.isEmpty()) {
      return new Result(text, null);
    }
    held.append(text);
    int best = -1;
    String which = null;
    for (String stop : stops) {
      int at = held.indexOf(stop);
      if (at >= 0 && (best < 0 || at < best)) {
        best = at;
        which = stop;
      }
    }
    if (which != null) {
      stopped = true;
      String out = held.substring(0, best + (includeStop ? which.length() : 0));
      held.setLength(0);
      return new Result(out, which);
    }
    int keep = longestStopPrefixSuffix();
    int end = held.length() - keep;
    if (end > 0 && Character.isHighSurrogate(held.charAt(end - 1))) {
      end--;
    }
    String out = held.substring(0, end);
    held.delete(0, end);
    return new Result(out, null);
  }

  /** The held-back text, at the end of the generation. */
  public String flush() {
    String out = stopped ? "" : held.toString();
    held.setLength(0);
    return out;
  }

  /** The length of the longest suffix of the held text that is a proper prefix of a stop string. */
  private int longestStopPrefixSuffix() {
    int best = 0;
    for (String stop : stops) {
      int max = Math.min(stop.length() - 1, held.length());
      for (int n = max; n > best; n--) {
        if (stop.regionMatches(0, held.substring(held.length() - n), 0, n)) {
          best = n;
          break;
        }
      }
    }
    return best;
  }
}
