package io.fathom.sandbox.server;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;

/**
 * The API key the sandbox server accepts, kept as a SHA-256 digest (the approach of the inference
 * worker's keys). A request's {@code Authorization: Bearer KEY} is digested and compared in constant
 * time ({@link MessageDigest#isEqual}). With no key ({@link #none()}, {@code --no-api-key}) every
 * request passes.
 */
public final class ApiKeys {

  /** What a request's {@code Authorization} header amounts to. */
  public enum Verdict {
    /** The accepted bearer key, or no key is needed. */
    ACCEPTED,
    /** No {@code Authorization: Bearer} header. */
    MISSING,
    /** A bearer key that is not accepted. */
    INVALID
  }

  /** A key kept in a file: the key, the file, and whether this start created it. */
  public record KeyFile(String key, Path file, boolean created) {
    @Override
    public String toString() {
      return "KeyFile[file=" + file + ", created=" + created + "]";
    }
  }

  /** The shortest key accepted. */
  public static final int MIN_LENGTH = 16;

  private static final int GENERATED_BYTES = 32;

  private final byte[] digest;

  private ApiKeys(byte[] digest) {
    this.digest = digest;
  }

  /** Accepts exactly {@code key}. */
  public static ApiKeys of(String key) {
    check("the API key", key);
    return new ApiKeys(digest(key));
  }

  /** Accepts every request. */
  public static ApiKeys none() {
    return new ApiKeys(null);
  }

  /** Whether requests need a key. */
  public boolean required() {
    return digest != null;
  }

  /** Checks an {@code Authorization} header value (null when the request has none). */
  public Verdict verify(String authorization) {
    if (digest == null) {
      return Verdict.ACCEPTED;
    }
    if (authorization == null || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
      return Verdict.MISSING;
    }
    String key = authorization.substring(7).strip();
    if (key.isEmpty()) {
      return Verdict.MISSING;
    }
    return MessageDigest.isEqual(digest, digest(key)) ? Verdict.ACCEPTED : Verdict.INVALID;
  }

  /**
   * Fails unless {@code key} is usable in a bearer header: at least {@link #MIN_LENGTH} visible ASCII
   * characters. {@code source} (an option or variable name) starts the message; the key is not repeated.
   */
  public static void check(String source, String key) {
    if (key == null || key.length() < MIN_LENGTH) {
      throw new IllegalArgumentException(source + ": an API key must have at least " + MIN_LENGTH
          + " characters, got " + (key == null ? 0 : key.length()));
    }
    for (int i = 0; i < key.length(); i++) {
      char c = key.charAt(i);
      if (c <= ' ' || c >= 127) {
        throw new IllegalArgumentException(
            source + ": an API key may hold only visible ASCII characters (character " + (i + 1) + " is not)");
      }
    }
  }

  /** A fresh random key: 32 bytes of {@link SecureRandom}, URL-safe base64 without padding (43 characters). */
  public static String generate() {
    byte[] random = new byte[GENERATED_BYTES];
    new SecureRandom().nextBytes(random);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(random);
  }

  /**
   * The key in {@code file}, or a {@link #generate() generated} one written to it when there is no
   * such file. The file (and missing parent directories) is created owner-only (mode 600, set as the
   * file appears); it holds the key and a newline.
   */
  public static KeyFile loadOrCreate(Path file) {
    try {
      if (!Files.exists(file)) {
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
          Files.createDirectories(parent);
        }
        String key = generate();
        try {
          Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
          Files.writeString(file, key + "\n", StandardCharsets.UTF_8);
          return new KeyFile(key, file, true);
        } catch (FileAlreadyExistsException raced) {
          // another server created it meanwhile: use its key
        }
      }
      String key = Files.readString(file, StandardCharsets.UTF_8).strip();
      try {
        check("the API key file " + file, key);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(e.getMessage() + "; delete the file to get a new key, or give --api-key", e);
      }
      return new KeyFile(key, file, false);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read or create the API key file " + file + ": " + e.getMessage(), e);
    }
  }

  private static byte[] digest(String key) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
