package io.fathom.api.auth;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;

/**
 * The API keys and the tenant each belongs to. Keys are kept as SHA-256 digests and compared in
 * constant time.
 */
public final class ApiKeys {

  private final Map<String, String> tenantByDigest;

  private ApiKeys(Map<String, String> tenantByDigest) {
    this.tenantByDigest = Map.copyOf(tenantByDigest);
  }

  /** Parses {@code tenant:key,tenant:key}. */
  public static ApiKeys parse(String spec) {
    Map<String, String> map = new HashMap<>();
    for (String entry : spec.split(",")) {
      String e = entry.trim();
      if (e.isEmpty()) {
        continue;
      }
      int colon = e.indexOf(':');
      if (colon <= 0 || colon == e.length() - 1) {
        throw new IllegalArgumentException("FATHOM_API_KEYS entries must be tenant:key, got '" + redact(e) + "'");
      }
      String tenant = e.substring(0, colon);
      String key = e.substring(colon + 1);
      if (!tenant.matches("[A-Za-z0-9_.-]{1,64}")) {
        throw new IllegalArgumentException("FATHOM_API_KEYS: tenant '" + tenant + "' must match [A-Za-z0-9_.-]{1,64}");
      }
      if (key.length() < 16) {
        throw new IllegalArgumentException("FATHOM_API_KEYS: the key of tenant '" + tenant + "' must have at least 16 characters");
      }
      if (map.put(digest(key), tenant) != null) {
        throw new IllegalArgumentException("FATHOM_API_KEYS: a key is listed twice");
      }
    }
    if (map.isEmpty()) {
      throw new IllegalArgumentException("FATHOM_API_KEYS lists no key");
    }
    return new ApiKeys(map);
  }

  /** The key in {@code dataDir/api-key} for tenant {@code default}, created on first use. */
  public static GeneratedKey loadOrCreate(Path dataDir) {
    Path file = dataDir.resolve("api-key");
    try {
      if (Files.exists(file)) {
        String key = Files.readString(file, StandardCharsets.UTF_8).trim();
        if (key.length() < 16) {
          throw new IllegalStateException(
              "the API key file " + file + " holds no usable key (at least 16 characters); delete it to get a new one");
        }
        return new GeneratedKey(new ApiKeys(Map.of(digest(key), "default")), key, file, false);
      }
      Files.createDirectories(dataDir);
      byte[] random = new byte[24];
      new SecureRandom().nextBytes(random);
      String key = "fk_" + HexFormat.of().formatHex(random);
      Path tmp = dataDir.resolve("api-key.tmp");
      Files.writeString(tmp, key + "\n", StandardCharsets.UTF_8);
      try {
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-------"));
      } catch (UnsupportedOperationException ignored) {
        // not a POSIX file system
      }
      Files.move(tmp, file, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
      return new GeneratedKey(new ApiKeys(Map.of(digest(key), "default")), key, file, true);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read or create the API key file " + file, e);
    }
  }

  /** A key kept in the data dir. */
  public record GeneratedKey(ApiKeys keys, String key, Path file, boolean created) {}

  /** The tenant of {@code key}, if it is one. */
  public Optional<String> tenantOf(String key) {
    String d = digest(key);
    String found = null;
    for (Map.Entry<String, String> e : tenantByDigest.entrySet()) {
      if (MessageDigest.isEqual(e.getKey().getBytes(StandardCharsets.US_ASCII), d.getBytes(StandardCharsets.US_ASCII))) {
        found = e.getValue();
      }
    }
    return Optional.ofNullable(found);
  }

  private static String digest(String key) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String redact(String entry) {
    int colon = entry.indexOf(':');
    return colon < 0 ? "…" : entry.substring(0, colon) + ":…";
  }
}
