package io.fathom.engine.load;

/**
 * A checkpoint that cannot be loaded: a malformed or truncated safetensors file, an unsupported dtype, a
 * missing tensor or one of the wrong shape. The message names the file and the tensor.
 */
public final class CheckpointException extends RuntimeException {

  public CheckpointException(String message) {
    super(message);
  }

  public CheckpointException(String message, Throwable cause) {
    super(message, cause);
  }
}
