package io.fathom.api.functions;

import tools.jackson.databind.JsonNode;

/** The body of {@code POST /v1/functions}. */
public record FunctionRequest(String name, String description, JsonNode parameters, String url, Boolean idempotent) {}
