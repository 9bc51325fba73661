package io.fathom.orchestrator.context;

import java.util.List;
import java.util.Objects;

/**
 * One ordered piece of a {@link Ledger}: a record per kind, each with its round and exact token ids. Every
 * segment's ids start with the added token {@code <|im_start|>}, which is what makes concatenating segments
 * equal to encoding their concatenated text (see {@link Ledger}).
 */
public sealed interface Segment {

  SegmentKind kind();

  /** The round that added the segment; 0 for the prompt. */
  int round();

  /** The exact ids of the segment. */
  TokenIds ids();

  /** The number of ids. */
  default int length() {
    return ids().length();
  }

  /** The system turn (with the tools block) and the user task. */
  record Prompt(TokenIds ids) implements Segment {
    public Prompt {
      Objects.requireNonNull(ids, "ids");
    }

    @Override
    public SegmentKind kind() {
      return SegmentKind.PROMPT;
    }

    @Override
    public int round() {
      return 0;
    }
  }

  /**
   * One assistant turn: {@code ids = generation prompt ++ generated ++ close}, where the close is the ids of
   * the {@code "\n"} that the template writes after {@code <|im_end|>} (see {@link Ledger} for the rule).
   *
   * @param generatedFrom where the generated ids start (the length of the generation prompt)
   * @param generatedTo where they end, the stop id {@code <|im_end|>} included (exclusive index)
   * @param finishReason why the generation ended, as the worker said ("stop", "length", …)
   */
  record Assistant(int round, TokenIds ids, int generatedFrom, int generatedTo, String finishReason)
      implements Segment {
    public Assistant {
      Objects.requireNonNull(ids, "ids");
      Objects.requireNonNull(finishReason, "finishReason");
      if (round < 1) {
        throw new IllegalArgumentException("round must be >= 1: " + round);
      }
      if (generatedFrom < 0 || generatedFrom > generatedTo || generatedTo > ids.length()) {
        throw new IllegalArgumentException(
            "generated range " + generatedFrom + ".." + generatedTo + " is outside the segment's " + ids.length() + " ids");
      }
    }

    @Override
    public SegmentKind kind() {
      return SegmentKind.ASSISTANT;
    }

    /** The generated ids, ending with {@code <|im_end|>} (added by the ledger if the generation lacked it). */
    public TokenIds generated() {
      return ids.slice(generatedFrom, generatedTo);
    }
  }

  /**
   * The user turn with one {@code <tool_response>} block per call of the round.
   *
   * @param results the text of each block, in call order, exactly as rendered (after any truncation or note)
   */
  record ToolResponses(int round, TokenIds ids, List<String> results) implements Segment {
    public ToolResponses {
      Objects.requireNonNull(ids, "ids");
      results = List.copyOf(results);
      if (round < 1) {
        throw new IllegalArgumentException("round must be >= 1: " + round);
      }
      if (results.isEmpty()) {
        throw new IllegalArgumentException("a tool-response turn needs at least one result");
      }
    }

    @Override
    public SegmentKind kind() {
      return SegmentKind.TOOL_RESPONSES;
    }
  }
}
