package io.fathom.engine.model;

/** A {@code config.json} the engine cannot run; the message names the field and what was wrong with it. */
public final class ModelConfigException extends IllegalArgumentException {

  private final String field;

  public ModelConfigException(String field, String problem) {
    super("config.json: " + field + " " + problem);
    this.field = field;
  }

  /** The offending {@code config.json} field, as Hugging Face names it. */
  public String field() {
    return field;
  }
}
