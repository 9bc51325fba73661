package io.fathom.worker.engine;

/** A submitted request, seen from the server. */
public interface Generation {

  /** Asks for the request to stop; its listener still gets {@code onFinish} (with CANCELLED if it was running). */
  void cancel();
}
