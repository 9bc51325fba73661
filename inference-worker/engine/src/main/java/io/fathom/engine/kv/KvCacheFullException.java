package io.fathom.engine.kv;

/** Thrown when a sequence needs a KV block and none is free. */
public final class KvCacheFullException extends RuntimeException {

  public KvCacheFullException(String message) {
    super(message);
  }
}
