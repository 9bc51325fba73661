package io.fathom.tools;

/** Truncates tool output to a budget, telling the model what was cut. */
public record ToolOutputLimiter(int maxChars) {

  public ToolOutputLimiter {
    if (maxChars < 256) {
      throw new IllegalArgumentException("maxChars must be at least 256, was " + maxChars);
    }
  }

  public String limit(String text) {
    if (text.length() <= maxChars) {
      return text;
    }
    // The note's length depends on the number it states: settle it in two passes.
    int keep = maxChars - note(maxChars, text.length()).length();
    keep = maxChars - note(keep, text.length()).length();
    if (Character.isHighSurrogate(text.charAt(keep - 1))) {
      keep--;
    }
    return text.substring(0, keep) + note(keep, text.length());
  }

  private static String note(int shown, int total) {
    return "\n[output truncated: showing the first %d of %d characters]".formatted(shown, total);
  }
}
