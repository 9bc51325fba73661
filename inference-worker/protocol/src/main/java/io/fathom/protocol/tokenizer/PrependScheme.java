package io.fathom.protocol.tokenizer;

/** When the Metaspace pre-tokenizer prepends its replacement character to a piece of text. */
enum PrependScheme {
  /** Only to the piece that starts at offset 0 of the original input. */
  FIRST,
  /** To every piece (between added tokens). */
  ALWAYS,
  /** Never. */
  NEVER;

  static PrependScheme parse(String value, String field) {
    return switch (value) {
      case "first" -> FIRST;
      case "always" -> ALWAYS;
      case "never" -> NEVER;
      default ->
          throw new TokenizerFormatException(
              field, "unknown prepend_scheme '" + value + "' (expected first, always or never)");
    };
  }
}
