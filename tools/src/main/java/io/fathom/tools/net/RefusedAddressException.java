package io.fathom.tools.net;

/** An outbound URL that the {@link OutboundPolicy} does not permit. */
public class RefusedAddressException extends IllegalArgumentException {
  public RefusedAddressException(String message) {
    super(message);
  }
}
