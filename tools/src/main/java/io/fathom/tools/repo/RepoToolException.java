package io.fathom.tools.repo;

/**
 * A repository tool call that cannot be done as asked, shown to the model as a {@link
 * io.fathom.tools.ToolResult.Failure} with {@link #code()}.
 */
final class RepoToolException extends Exception {

  private static final long serialVersionUID = 1L;

  private final String code;

  RepoToolException(String code, String message) {
    super(message, null, false, false);
    this.code = code;
  }

  /** An argument that is missing, of the wrong type or out of range; the message names it. */
  static RepoToolException invalid(String field, String problem) {
    return new RepoToolException("invalid_arguments", "'" + field + "' " + problem);
  }

  String code() {
    return code;
  }
}
