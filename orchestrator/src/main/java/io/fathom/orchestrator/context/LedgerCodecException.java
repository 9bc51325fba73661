package io.fathom.orchestrator.context;

import java.io.Serial;

/** Stored ledger bytes that cannot be decoded; the message names the field and the byte offset. */
public final class LedgerCodecException extends IllegalArgumentException {

  @Serial private static final long serialVersionUID = 1L;

  public LedgerCodecException(String message) {
    super(message);
  }
}
