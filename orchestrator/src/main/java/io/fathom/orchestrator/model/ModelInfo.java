package io.fathom.orchestrator.model;

/**
 * A model server's model: the name to send, and its context length in tokens when the server
 * says ({@code max_model_len}), else null.
 */
public record ModelInfo(String name, Integer maxModelLen) {}
