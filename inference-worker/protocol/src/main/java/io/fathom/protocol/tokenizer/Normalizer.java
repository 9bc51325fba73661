package io.fathom.protocol.tokenizer;

import java.util.List;

/**
 * The supported subset of Hugging Face normalizers: a sequence of {@link Prepend} and literal {@link Replace} steps,
 * applied in order to each piece of text between added tokens.
 */
record Normalizer(List<Step> steps) {

  static final Normalizer IDENTITY = new Normalizer(List.of());

  Normalizer {
    steps = List.copyOf(steps);
  }

  /** One normalisation step. */
  sealed interface Step permits Prepend, Replace {}

  /** Prepends {@code prefix} to a non-empty piece. */
  record Prepend(String prefix) implements Step {}

  /** Replaces every occurrence of the literal {@code pattern} with {@code content}. */
  record Replace(String pattern, String content) implements Step {}

  String apply(String text) {
    String s = text;
    for (Step step : steps) {
      switch (step) {
        case Prepend p -> {
          if (!s.isEmpty()) {
            s = p.prefix().concat(s);
          }
        }
        case Replace r -> s = s.replace(r.pattern(), r.content());
      }
    }
    return s;
  }
}
