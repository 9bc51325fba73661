package io.fathom.worker.auth;

import java.nio.file.Path;
import java.util.List;

/**
 * Which API keys the worker accepts. Keys are never printed: {@link #toString()} only counts them.
 *
 * @param keys the keys given ({@code --api-key} or {@code FATHOM_WORKER_API_KEYS}); empty: one is generated
 *     into {@code keyFile} (or read from it when it exists)
 * @param disabled {@code --no-api-key}: every request is served without a key (local experiments only)
 * @param keyFile where a generated key is kept (owner-only, mode 600); unused when keys are given
 */
public record ApiKeyOptions(List<String> keys, boolean disabled, Path keyFile) {

  /** The shortest key accepted. */
  public static final int MIN_LENGTH = 16;

  public ApiKeyOptions {
    keys = keys == null ? List.of() : List.copyOf(keys);
    for (String key : keys) {
      check("--api-key", key);
    }
    if (disabled && !keys.isEmpty()) {
      throw new IllegalArgumentException("give either --api-key or --no-api-key, not both");
    }
    if (!disabled && keys.isEmpty() && keyFile == null) {
      throw new IllegalArgumentException("no API key and no file to keep a generated one in");
    }
  }

  /** Exactly these keys. */
  public static ApiKeyOptions of(String... keys) {
    return new ApiKeyOptions(List.of(keys), false, null);
  }

  /** A key generated into {@code file} on first use, read from it afterwards. */
  public static ApiKeyOptions generatedIn(Path file) {
    return new ApiKeyOptions(List.of(), false, file);
  }

  /** No key at all ({@code --no-api-key}). */
  public static ApiKeyOptions none() {
    return new ApiKeyOptions(List.of(), true, null);
  }

  /**
   * Fails unless {@code key} is usable in a bearer header: at least {@link #MIN_LENGTH} visible ASCII characters,
   * no comma. {@code source} (an option or variable name) starts the message; the key is not repeated.
   */
  public static void check(String source, String key) {
    if (key == null || key.length() < MIN_LENGTH) {
      throw new IllegalArgumentException(
          source + ": an API key must have at least " + MIN_LENGTH + " characters, got "
              + (key == null ? 0 : key.length()));
    }
    for (int i = 0; i < key.length(); i++) {
      char c = key.charAt(i);
      if (c <= ' ' || c >= 127 || c == ',') {
        throw new IllegalArgumentException(
            source + ": an API key may hold only visible ASCII characters other than ',' (character " + (i + 1) + " is not)");
      }
    }
  }

  @Override
  public String toString() {
    return "ApiKeyOptions[keys=" + keys.size() + " given, disabled=" + disabled + ", keyFile=" + keyFile + "]";
  }
}
