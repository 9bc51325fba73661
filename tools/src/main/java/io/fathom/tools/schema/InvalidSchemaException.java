package io.fathom.tools.schema;

/** A tool's parameter schema cannot be used; the message completes "the schema ...". */
public class InvalidSchemaException extends IllegalArgumentException {
  public InvalidSchemaException(String message) {
    super(message);
  }
}
