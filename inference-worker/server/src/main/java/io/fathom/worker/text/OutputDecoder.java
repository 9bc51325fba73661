package io.fathom.worker.text;

import io.fathom.protocol.tokenizer.HfTokenizer;
import io.fathom.protocol.tokenizer.IncrementalDecoder;

/**
 * Turns generated ids into text as they come, in the context of the prompt: the decoder first reads the last
 * few prompt tokens (their text is dropped), so the output's first token keeps its leading space as it does
 * in the whole text (a tokenizer's Strip step only strips at the start of the whole text). An id the
 * tokenizer does not know (a model vocabulary padded beyond the tokenizer's) decodes to nothing. Not
 * thread-safe.
 */
public final class OutputDecoder {

  private static final int CONTEXT_TOKENS = 4;

  private final HfTokenizer tokenizer;
  private final IncrementalDecoder decoder;

  public OutputDecoder(HfTokenizer tokenizer, boolean skipSpecial, int[] prompt) {
    this.tokenizer = tokenizer;
    this.decoder = tokenizer.newIncrementalDecoder(skipSpecial);
    for (int i = Math.max(0, prompt.length - CONTEXT_TOKENS); i < prompt.length; i++) {
      next(prompt[i]);
    }
    if (decoder.hasPendingBytes()) {
      decoder.finish(); // a character cut at the prompt's end is the prompt's
    }
  }

  /** The text completed by {@code id}, possibly empty. */
  public String next(int id) {
    if (id < 0 || id >= tokenizer.vocabSize()) {
      return "";
    }
    try {
      return decoder.next(id);
    } catch (IllegalArgumentException e) {
      return "";
    }
  }

  /** The end of the output: U+FFFD for an incomplete character, else "". */
  public String finish() {
    return decoder.finish();
  }

  /** The whole text of {@code ids} with unknown ids dropped (decoding from the start: no context). */
  public static String decode(HfTokenizer tokenizer, int[] ids, boolean skipSpecial) {
    IncrementalDecoder d = tokenizer.newIncrementalDecoder(skipSpecial);
    StringBuilder sb = new StringBuilder(ids.length * 4);
    for (int id : ids) {
      if (id >= 0 && id < tokenizer.vocabSize()) {
        try {
          sb.append(d.next(id));
        } catch (IllegalArgumentException e) {
          // unknown id: nothing
        }
      }
    }
    return sb.append(d.finish()).toString();
  }

  /**
   * One token's own text, for logprobs: the raw token with "▁" as a space, a byte token below 0x80 as its
   * character (other bytes keep their {@code <0xNN>} form), an unknown id as "".
   */
  public static String tokenText(HfTokenizer tokenizer, int id) {
    String token;
    try {
      token = tokenizer.idToToken(id);
    } catch (IllegalArgumentException e) {
      return "";
    }
    if (token.length() == 6 && token.startsWith("<0x") && token.endsWith(">")) {
      try {
        int b = Integer.parseInt(token.substring(3, 5), 16);
        return b < 0x80 ? String.valueOf((char) b) : token;
      } catch (NumberFormatException e) {
        return token;
      }
    }
    return token.replace('\u2581', ' ');
  }
}
