package io.fathom.api.errors;

/** One bad field of a request: its JSON path (e.g. {@code tools[1]}) and what is wrong. */
public record FieldProblem(String field, String message) {}
