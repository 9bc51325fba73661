package io.fathom.sandbox;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The unprivileged host account every sandboxed program runs as (real, effective and saved uid and
 * gid, no supplementary groups). Default: a dedicated system user {@code fathom-sandbox} that owns
 * nothing on the host, created by {@code sandbox/setup.sh} with {@link #CREATE}. A dedicated user
 * rather than {@code nobody}: {@code nobody} is shared with NFS squashing and other daemons, and
 * the security tests look for leftover processes by uid.
 */
public record SandboxUser(String name, int uid, int gid) {

  /** The default account name. */
  public static final String DEFAULT_NAME = "fathom-sandbox";

  /** The command that creates the default account on Debian. */
  public static final String CREATE = "useradd --system --user-group --no-create-home --home-dir /nonexistent"
      + " --shell /usr/sbin/nologin " + DEFAULT_NAME;

  public SandboxUser {
    if (uid <= 0 || gid <= 0) {
      throw new IllegalArgumentException("the sandbox user must not be root (uid " + uid + ", gid " + gid + ")");
    }
  }

  /** Looks {@code name} up in {@code /etc/passwd}. */
  public static Optional<SandboxUser> lookup(String name) {
    return lookup(name, Path.of("/etc/passwd"));
  }

  static Optional<SandboxUser> lookup(String name, Path passwd) {
    try {
      for (String line : Files.readAllLines(passwd)) {
        String[] f = line.split(":", -1);
        if (f.length >= 4 && f[0].equals(name)) {
          int uid = Integer.parseInt(f[2]);
          int gid = Integer.parseInt(f[3]);
          if (uid <= 0 || gid <= 0) {
            return Optional.empty();
          }
          return Optional.of(new SandboxUser(name, uid, gid));
        }
      }
    } catch (IOException | NumberFormatException e) {
      return Optional.empty();
    }
    return Optional.empty();
  }
}
