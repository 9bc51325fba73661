package io.fathom.worker.auth;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Collection;
import java.util.List;
import java.util.Set;

/**
 * The API keys a worker accepts, kept as SHA-256 digests. A request's {@code Authorization: Bearer KEY} is
 * digested and compared with every accepted digest in constant time ({@link MessageDigest#isEqual}), so neither
 * the time taken nor an early exit tells how much of a wrong key was right. With no keys ({@link #none()})
 * every request passes.
 */
public final class WorkerApiKeys {

  /** What a request's {@code Authorization} header amounts to. */
  public enum Verdict {
    /** A bearer key that is accepted, or no key is needed. */
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

  private static final int GENERATED_BYTES = 32;
  private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");

  private final List<byte[]> digests;

  private WorkerApiKeys(List<byte[]> digests) {
    this.digests = digests;
  }

  /** Accepts exactly {@code keys} (at least one). */
  public static WorkerApiKeys of(Collection<String> keys) {
    if (keys.isEmpty()) {
      throw new IllegalArgumentException("no API key given");
    }
    return new WorkerApiKeys(keys.stream().map(WorkerApiKeys::digest).toList());
  }

  /** Accepts every request: no key is asked. */
  public static WorkerApiKeys none() {
    return new WorkerApiKeys(List.of());
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
    if (authorization == null || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
      return Verdict.MISSING;
    }
    String key = authorization.substring(7).strip();
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

  /** A fresh random key: 32 bytes of {@link SecureRandom}, URL-safe base64 without padding (43 characters). */
  public static String generate() {
    byte[] random = new byte[GENERATED_BYTES];
    new SecureRandom().nextBytes(random);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(random);
  }

  /**
   * The key in {@code file}, or a {@link #generate() generated} one written to it when there is no such file.
   * The file (and missing parent directories) is created owner-only (mode 600) on a POSIX file system; it holds
   * the key and a newline.
   */
  public static KeyFile loadOrCreate(Path file) {
    try {
      if (!Files.exists(file)) {
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
          Files.createDirectories(parent);
        }
        String key = generate();
        boolean posix = FileSystems.getDefault().supportedFileAttributeViews().contains("posix");
        FileAttribute<?>[] attributes =
            posix ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(OWNER_ONLY)} : new FileAttribute<?>[0];
        try {
          Files.createFile(file, attributes); // the mode is set as the file appears: never readable by others
          Files.writeString(file, key + "\n", StandardCharsets.UTF_8);
          return new KeyFile(key, file, true);
        } catch (FileAlreadyExistsException raced) {
          // another worker created it meanwhile: use its key
        }
      }
      String key = Files.readString(file, StandardCharsets.UTF_8).strip();
      try {
        ApiKeyOptions.check("the API key file " + file, key);
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
