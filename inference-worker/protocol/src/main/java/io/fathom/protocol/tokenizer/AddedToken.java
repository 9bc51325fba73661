package io.fathom.protocol.tokenizer;

import java.util.Objects;

/**
 * One entry of {@code added_tokens}: a token matched literally in the input before normalisation and BPE.
 *
 * @param id the token id
 * @param content the literal text of the token (never empty)
 * @param special special tokens are dropped by {@code decode(ids, true)}
 * @param lstrip the match swallows whitespace on its left
 * @param rstrip the match swallows whitespace on its right
 * @param normalized the token is matched against the normalised text instead of the raw input
 * @param singleWord the token only matches when not adjacent to word characters
 */
public record AddedToken(
    int id, String content, boolean special, boolean lstrip, boolean rstrip, boolean normalized, boolean singleWord) {

  public AddedToken {
    Objects.requireNonNull(content, "content");
    if (id < 0) {
      throw new IllegalArgumentException("id must be >= 0 but was " + id);
    }
    if (content.isEmpty()) {
      throw new IllegalArgumentException("content must not be empty");
    }
  }
}
