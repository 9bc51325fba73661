package io.fathom.common.auth;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Which API keys a server accepts, as its command line and environment say. Keys are never printed: {@link
 * #toString()} only counts them.
 *
 * @param keys the keys given ({@code --api-key}, else the server's environment variable); empty: one is generated
 *     into {@code keyFile} (or read from it when it exists)
 * @param disabled {@code --no-api-key}: every request is served without a key (local experiments only)
 * @param keyFile where a generated key is kept (owner-only, mode 600); unused when keys are given
 */
public record ApiKeyOptions(List<String> keys, boolean disabled, Path keyFile) {

  /** The keys a server checks requests with, and the key file they came from when they came from one. */
  public record Resolved(BearerKeys keys, Optional<KeyFile> file) {}

  public ApiKeyOptions {
    keys = keys == null ? List.of() : List.copyOf(keys);
    for (String key : keys) {
      BearerKeys.check("--api-key", key);
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
   * What a command line asked for: the {@code --api-key} values {@code given} (each comma-separated), else the
   * comma-separated keys in the environment variable {@code variable}; none of them with {@code noKey}
   * ({@code --no-api-key}, which refuses a set variable rather than ignore it); else a key kept in {@code keyFile}.
   */
  public static ApiKeyOptions fromCommandLine(
      List<String> given, boolean noKey, Path keyFile, String variable, Map<String, String> env) {
    List<String> keys = new ArrayList<>();
    for (String value : given) {
      List<String> listed = split("--api-key", value);
      if (listed.isEmpty()) {
        throw new IllegalArgumentException("--api-key needs a key");
      }
      keys.addAll(listed);
    }
    String fromEnv = env.getOrDefault(variable, "");
    if (keys.isEmpty() && !fromEnv.isBlank()) {
      if (noKey) {
        throw new IllegalArgumentException(variable + " is set: unset it or drop --no-api-key");
      }
      keys.addAll(split(variable, fromEnv));
    }
    if (noKey) {
      if (!keys.isEmpty()) {
        throw new IllegalArgumentException("give either --api-key or --no-api-key, not both");
      }
      return none();
    }
    return new ApiKeyOptions(keys, false, keyFile);
  }

  /**
   * The keys to check requests with: those given, none when disabled, or the one in the key file (generated there
   * on first start).
   */
  public Resolved resolve() {
    if (disabled) {
      return new Resolved(BearerKeys.none(), Optional.empty());
    }
    if (!keys.isEmpty()) {
      return new Resolved(BearerKeys.of(keys), Optional.empty());
    }
    KeyFile file = KeyFile.loadOrCreate(keyFile);
    return new Resolved(BearerKeys.of(List.of(file.key())), Optional.of(file));
  }

  /** Comma-separated keys, each checked ({@code source} names the option or variable in errors). */
  private static List<String> split(String source, String value) {
    List<String> out = new ArrayList<>();
    for (String part : value.split(",")) {
      String key = part.strip();
      if (!key.isEmpty()) {
        BearerKeys.check(source, key);
        out.add(key);
      }
    }
    return out;
  }

  @Override
  public String toString() {
    return "ApiKeyOptions[keys=" + keys.size() + " given, disabled=" + disabled + ", keyFile=" + keyFile + "]";
  }
}
