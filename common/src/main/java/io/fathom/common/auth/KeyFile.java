package io.fathom.common.auth;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * A key kept in a file: the key, the file, and whether this start created it. {@link #toString()} leaves the key
 * out.
 */
public record KeyFile(String key, Path file, boolean created) {

  /** A key file is a key and a newline; anything much longer is not one. */
  private static final long MAX_BYTES = 4096;

  /**
   * The key in {@code file}, or a {@link BearerKeys#generate() generated} one written to it when there is no such
   * file. The file (and missing parent directories) is created owner-only (mode 600, set as the file appears, so
   * it is never readable by others) on a POSIX file system; it holds the key and a newline. Two servers starting
   * together agree on one key.
   *
   * @throws IllegalArgumentException when the file holds no usable key
   * @throws UncheckedIOException when the file cannot be read or created
   */
  public static KeyFile loadOrCreate(Path file) {
    try {
      if (!Files.exists(file)) {
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
          Files.createDirectories(parent);
        }
        String key = BearerKeys.generate();
        boolean posix = FileSystems.getDefault().supportedFileAttributeViews().contains("posix");
        FileAttribute<?>[] attributes = posix
            ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"))}
            : new FileAttribute<?>[0];
        try {
          Files.createFile(file, attributes);
          Files.writeString(file, key + "\n", StandardCharsets.UTF_8);
          return new KeyFile(key, file, true);
        } catch (FileAlreadyExistsException raced) {
          // another server created it meanwhile: use its key
        }
      }
      if (Files.size(file) > MAX_BYTES) {
        throw new IllegalArgumentException("the API key file " + file + " has more than " + MAX_BYTES
            + " bytes; delete it to get a new key, or give --api-key");
      }
      String key = Files.readString(file, StandardCharsets.UTF_8).strip();
      try {
        BearerKeys.check("the API key file " + file, key);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(e.getMessage() + "; delete the file to get a new key, or give --api-key", e);
      }
      return new KeyFile(key, file, false);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read or create the API key file " + file + ": " + e.getMessage(), e);
    }
  }

  @Override
  public String toString() {
    return "KeyFile[file=" + file + ", created=" + created + "]";
  }
}
