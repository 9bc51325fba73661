package io.fathom.common.auth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Collection;
import java.util.List;

/**
 * The API keys a server accepts, kept as SHA-256 digests. A request's {@code Authorization: Bearer KEY} is
 * digested and compared with every accepted digest in constant time ({@link MessageDigest#isEqual}), so neither
 * the time taken nor an early exit tells how much of a wrong key was right. With no keys ({@link #none()})
 * every request passes.
 */
public final class BearerKeys {

  /** What a request's {@code Authorization} header amounts to. */
  public enum Verdict {
    /** A bearer key that is accepted, or no key is needed. */
    ACCEPTED,
    /** No {@code Authorization: Bearer} header, or an empty key. */
    MISSING,
    /** A bearer key that is not accepted. */
    INVALID
  }

  /** The shortest key accepted. */
  public static final int MIN_LENGTH = 16;

  /** The longest key accepted (a header line stays small). */
  public static final int MAX_LENGTH = 512;

  private static final int GENERATED_BYTES = 32;
  private static final String BEARER = "Bearer ";

  private final List<byte[]> digests;

  private BearerKeys(List<byte[]> digests) {
    this.digests = digests;
  }

  /** Accepts exactly {@code keys} (at least one, each {@link #check checked}). */
  public static BearerKeys of(Collection<String> keys) {
    if (keys.isEmpty()) {
      throw new IllegalArgumentException("no API key given");
    }
    for (String key : keys) {
      check("the API key", key);
    }
    return new BearerKeys(keys.stream().map(BearerKeys::digest).toList());
  }

  /** Accepts every request: no key is asked. */
  public static BearerKeys none() {
    return new BearerKeys(List.of());
  }

  /** Whether requests need a key. */
  public boolean required() {
    return !digests.isEmpty();
  }

  /** Checks an {@code Authorization} header value (null when the request has none). */
  public Verdict verify(String authorization) {
    if (digests.isEmpty()) {
      return Verdict.ACCEPTED;
    }
    if (authorization == null || !authorization.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
      return Verdict.MISSING;
    }
    String key = authorization.substring(BEARER.length()).strip();
    if (key.isEmpty()) {
      return Verdict.MISSING;
    }
    byte[] presented = digest(key);
    boolean match = false;
    for (byte[] accepted : digests) {
      match |= MessageDigest.isEqual(accepted, presented);
    }
    return match ? Verdict.ACCEPTED : Verdict.INVALID;
  }

  /**
   * Fails unless {@code key} is usable in a bearer header and in a comma-separated list: {@link #MIN_LENGTH} to
   * {@link #MAX_LENGTH} visible ASCII characters other than {@code ','}. {@code source} (an option, variable or
   * file) starts the message; the key itself is never repeated.
   */
  public static void check(String source, String key) {
    int length = key == null ? 0 : key.length();
    if (length < MIN_LENGTH || length > MAX_LENGTH) {
      throw new IllegalArgumentException(
          source + ": an API key must have " + MIN_LENGTH + " to " + MAX_LENGTH + " characters, got " + length);
    }
    for (int i = 0; i < length; i++) {
      char c = key.charAt(i);
      if (c <= ' ' || c >= 127 || c == ',') {
        throw new IllegalArgumentException(source
            + ": an API key may hold only visible ASCII characters other than ',' (character " + (i + 1) + " is not)");
      }
    }
  }

  /** A fresh random key: 32 bytes of {@link SecureRandom}, URL-safe base64 without padding (43 characters). */
  public static String generate() {
    byte[] random = new byte[GENERATED_BYTES];
    new SecureRandom().nextBytes(random);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(random);
  }

  private static byte[] digest(String key) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
