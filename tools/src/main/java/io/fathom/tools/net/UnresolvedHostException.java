package io.fathom.tools.net;

/** An outbound host that does not resolve (so nothing can be checked, and nothing is connected to). */
public class UnresolvedHostException extends IllegalArgumentException {

  private static final long serialVersionUID = 1L;

  public UnresolvedHostException(String message) {
    super(message);
  }
}
