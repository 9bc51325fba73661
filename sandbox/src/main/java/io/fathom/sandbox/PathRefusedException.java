package io.fathom.sandbox;

/**
 * The file API refused a path: absolute, with a {@code ..} component, through a symbolic link, or
 * naming something that is not a regular file or directory.
 */
public final class PathRefusedException extends SandboxException {

  private static final long serialVersionUID = 1L;

  private final String path;

  PathRefusedException(String path, String reason) {
    super("path '" + path + "' refused: " + reason);
    this.path = path;
  }

  /** The path as the caller gave it. */
  public String path() {
    return path;
  }
}
