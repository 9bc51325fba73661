package io.fathom.protocol.tokenizer;

import java.util.Objects;

/**
 * Decodes a stream of token ids as they are generated.
 *
 * <p>{@link #next} returns the text completed by one more id. Byte-fallback tokens are assembled into UTF-8
 * characters: an incomplete sequence is held back (nothing is returned for it yet) and becomes U+FFFD only once it
 * can no longer be completed (a byte that cannot continue it, a non-byte token, or {@link #finish}). The
 * concatenation of everything returned equals {@link HfTokenizer#decode} of all ids. Not thread-safe: use one
 * instance per stream.
 */
public final class IncrementalDecoder {

  private static final int REPLACEMENT = 0xFFFD;

  private final HfTokenizer tokenizer;
  private final DecoderPipeline pipeline;
  private final boolean skipSpecial;
  private final StringBuilder buffer = new StringBuilder();
  private int tokensSeen;
  private int stripRemaining;

  // UTF-8 assembly state
  private int needed;
  private int codePoint;
  private int lower = 0x80;
  private int upper = 0xBF;

  IncrementalDecoder(HfTokenizer tokenizer, boolean skipSpecial) {
    this.tokenizer = Objects.requireNonNull(tokenizer, "tokenizer");
    this.pipeline = tokenizer.decoderPipeline();
    this.skipSpecial = skipSpecial;
    this.stripRemaining = pipeline.stripCount();
  }

  /**
   * Feeds one id.
   *
   * @return the text completed by this id, possibly empty
   * @throws IllegalArgumentException if the id is not in the vocabulary
   */
  public String next(int id) {
    buffer.setLength(0);
    decodeTo(id, buffer);
    return buffer.toString();
  }

  /** Ends the stream: returns U+FFFD for a held-back incomplete UTF-8 sequence, or the empty string. */
  public String finish() {
    buffer.setLength(0);
    finishTo(buffer);
    return buffer.toString();
  }

  /** Whether bytes of an incomplete UTF-8 character are being held back. */
  public boolean hasPendingBytes() {
    return needed > 0;
  }

  void decodeTo(int id, StringBuilder sink) {
    String token = tokenizer.idToToken(id);
    if (skipSpecial && tokenizer.isSpecial(id)) {
      return;
    }
    String text = pipeline.applyTokenSteps(token, tokensSeen++ == 0);
    if (pipeline.byteFallback()) {
      int b = DecoderPipeline.byteValue(text);
      if (b >= 0) {
        acceptByte(b, sink);
        return;
      }
    }
    flushIncomplete(sink);
    emit(text, sink);
  }

  void finishTo(StringBuilder sink) {
    flushIncomplete(sink);
  }

  private void acceptByte(int b, StringBuilder sink) {
    if (needed > 0) {
      if (b >= lower && b <= upper) {
        codePoint = (codePoint << 6) | (b & 0x3F);
        lower = 0x80;
        upper = 0xBF;
        if (--needed == 0) {
          emit(codePoint, sink);
        }
        return;
      }
      flushIncomplete(sink); // b cannot continue the sequence: it is certainly invalid
    }
    if (b < 0x80) {
      emit(b, sink);
    } else if (b >= 0xC2 && b <= 0xDF) {
      start(1, b & 0x1F, 0x80, 0xBF);
    } else if (b == 0xE0) {
      start(2, b & 0x0F, 0xA0, 0xBF);
    } else if (b == 0xED) {
      start(2, b & 0x0F, 0x80, 0x9F); // no surrogates
    } else if (b >= 0xE1 && b <= 0xEF) {
      start(2, b & 0x0F, 0x80, 0xBF);
    } else if (b == 0xF0) {
      start(3, b & 0x07, 0x90, 0xBF);
    } else if (b >= 0xF1 && b <= 0xF3) {
      start(3, b & 0x07, 0x80, 0xBF);
    } else if (b == 0xF4) {
      start(3, b & 0x07, 0x80, 0x8F); // nothing above U+10FFFF
    } else {
      emit(REPLACEMENT, sink); // a continuation byte without a lead byte, or a byte never valid in UTF-8
    }
  }

  private void start(int continuationBytes, int bits, int firstLower, int firstUpper) {
    needed = continuationBytes;
    codePoint = bits;
    lower = firstLower;
    upper = firstUpper;
  }

  private void flushIncomplete(StringBuilder sink) {
    if (needed > 0) {
      needed = 0;
      lower = 0x80;
      upper = 0xBF;
      emit(REPLACEMENT, sink);
    }
  }

  private void emit(String text, StringBuilder sink) {
    int i = 0;
    while (stripRemaining > 0 && i < text.length()) {
      int cp = text.codePointAt(i);
      if (cp != pipeline.stripCodePoint()) {
        stripRemaining = 0;
        break;
      }
      i += Character.charCount(cp);
      stripRemaining--;
    }
    sink.append(text, i, text.length());
  }

  private void emit(int cp, StringBuilder sink) {
    if (stripRemaining > 0) {
      if (cp == pipeline.stripCodePoint()) {
        stripRemaining--;
        return;
      }
      stripRemaining = 0;
    }
    sink.appendCodePoint(cp);
  }
}
