package io.fathom.orchestrator.context;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Notices a model that is going round in circles. Two kinds of repetition are counted over the whole job (not
 * only consecutive calls, so that A, B, A, B loops are caught too):
 * <ul>
 *   <li>the same call — tool name and canonical arguments JSON (keys sorted, whitespace dropped; the raw text
 *       when it is not JSON) — answered with the same result: at its {@code sameResultLimit}-th occurrence the
 *       verdict is a {@link Verdict.Nudge} (a note to add to that tool result), at any later one a
 *       {@link Verdict.Stop};
 *   <li>the same error from the same tool, whatever the arguments: likewise with {@code sameErrorLimit}.
 * </ul>
 * Calls and results are remembered as SHA-256 digests, so memory does not grow with their size. The state is
 * a function of the observations, in order: {@link #restore} replays a job's stored calls to rebuild it (the
 * verdicts of replayed calls are dropped; they were acted on before). Not thread-safe: feed the calls of a
 * round in call order.
 */
public final class StuckDetector {

  private static final int SHOWN_ARGUMENT_CHARS = 200;

  private final JsonMapper json = JsonMapper.builder().build();
  private final int sameResultLimit;
  private final int sameErrorLimit;
  private final Map<String, Integer> counts = new HashMap<>();

  /**
   * @param sameResultLimit how many times the same call may get the same result before the nudge (>= 1)
   * @param sameErrorLimit how many times a tool may return the same error before the nudge (>= 1)
   */
  public StuckDetector(int sameResultLimit, int sameErrorLimit) {
    if (sameResultLimit < 1 || sameErrorLimit < 1) {
      throw new IllegalArgumentException(
          "limits must be >= 1: sameResultLimit=" + sameResultLimit + ", sameErrorLimit=" + sameErrorLimit);
    }
    this.sameResultLimit = sameResultLimit;
    this.sameErrorLimit = sameErrorLimit;
  }

  /** A detector in the state it had after {@code history}, the job's calls in order. */
  public static StuckDetector restore(int sameResultLimit, int sameErrorLimit, List<Observation> history) {
    StuckDetector detector = new StuckDetector(sameResultLimit, sameErrorLimit);
    for (Observation observation : history) {
      detector.observe(observation);
    }
    return detector;
  }

  /**
   * One completed tool call.
   *
   * @param toolName the tool's name
   * @param argumentsJson the arguments as the model wrote them
   * @param result the result text (the error message when {@code error})
   * @param error whether the call failed
   */
  public record Observation(String toolName, String argumentsJson, String result, boolean error) {
    public Observation {
      Objects.requireNonNull(toolName, "toolName");
      Objects.requireNonNull(argumentsJson, "argumentsJson");
      Objects.requireNonNull(result, "result");
    }
  }

  /** What to do after a call. */
  public sealed interface Verdict {
    /** Nothing to do. */
    record Continue() implements Verdict {}

    /** Add {@code note} to the call's result, so the model sees that it is repeating itself. */
    record Nudge(String note, int repeats) implements Verdict {
      /** The result with the note after it. */
      public String appendTo(String result) {
        return result + "\n\n" + note;
      }
    }

    /** End the job: {@code reason} says which call repeated how often. */
    record Stop(String reason, int repeats) implements Verdict {}
  }

  private static final Verdict CONTINUE = new Verdict.Continue();

  /** Counts {@code call} and says what to do. */
  public Verdict observe(Observation call) {
    Objects.requireNonNull(call, "call");
    String arguments = canonicalArguments(call.argumentsJson());
    String key =
        call.error()
            ? digest("error", call.toolName(), call.result())
            : digest("result", call.toolName(), arguments, call.result());
    int repeats = counts.merge(key, 1, Integer::sum);
    int limit = call.error() ? sameErrorLimit : sameResultLimit;
    if (repeats < limit) {
      return CONTINUE;
    }
    String what =
        call.error()
            ? String.format(Locale.ROOT, "the tool %s has returned the same error %d times", call.toolName(), repeats)
            : String.format(
                Locale.ROOT,
                "the call %s %s has returned the same result %d times",
                call.toolName(),
                shorten(arguments),
                repeats);
    if (repeats == limit) {
      return new Verdict.Nudge(
          "[note: " + what + ". Repeating it will not give new information: change the arguments, use another tool,"
              + " or give your final answer. If it happens again, the task ends here.]",
          repeats);
    }
    return new Verdict.Stop("stuck: " + what + ", after a note telling the model it was repeating itself", repeats);
  }

  /** The arguments with object keys sorted and no whitespace; the stripped text when it is not JSON. */
  public String canonicalArguments(String argumentsJson) {
    Objects.requireNonNull(argumentsJson, "argumentsJson");
    try {
      JsonNode node = json.readTree(argumentsJson);
      StringBuilder sb = new StringBuilder(argumentsJson.length());
      write(node, sb);
      return sb.toString();
    } catch (JacksonException e) {
      return argumentsJson.strip();
    }
  }

  private void write(JsonNode node, StringBuilder sb) {
    if (node.isObject()) {
      List<Map.Entry<String, JsonNode>> entries = new ArrayList<>(node.properties());
      entries.sort(Map.Entry.comparingByKey());
      sb.append('{');
      for (int i = 0; i < entries.size(); i++) {
        sb.append(i == 0 ? "" : ",").append(json.writeValueAsString(entries.get(i).getKey())).append(':');
        write(entries.get(i).getValue(), sb);
      }
      sb.append('}');
    } else if (node.isArray()) {
      sb.append('[');
      for (int i = 0; i < node.size(); i++) {
        sb.append(i == 0 ? "" : ",");
        write(node.get(i), sb);
      }
      sb.append(']');
    } else {
      sb.append(json.writeValueAsString(node));
    }
  }

  private static String shorten(String arguments) {
    return arguments.length() <= SHOWN_ARGUMENT_CHARS ? arguments : arguments.substring(0, SHOWN_ARGUMENT_CHARS) + "…";
  }

  private static String digest(String... parts) {
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      for (String part : parts) {
        byte[] bytes = part.getBytes(StandardCharsets.UTF_8);
        sha.update(ByteBuffer.allocate(Integer.BYTES).putInt(bytes.length).array());
        sha.update(bytes);
      }
      return HexFormat.of().formatHex(sha.digest());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from the JDK", e);
    }
  }
}
