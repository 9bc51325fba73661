package io.fathom.orchestrator.repos;

/** No repository of that name is stored for the tenant. */
public class RepositoryNotFoundException extends RuntimeException {

  private final String name;

  public RepositoryNotFoundException(String name) {
    super("repository '" + name + "' not found", null, false, false);
    this.name = name;
  }

  /** The repository asked for. */
  public String name() {
    return name;
  }
}
