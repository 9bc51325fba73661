package io.fathom.orchestrator.events;

/** An event about to be appended; {@code json} is its data object as JSON text. */
public record NewEvent(EventType type, String json) {}
