package io.fathom.tools.functions;

import java.net.URI;
import tools.jackson.databind.JsonNode;

/** A user-defined function: a JSON Schema for its arguments and the webhook that answers it. */
public record FunctionDefinition(String name, String description, JsonNode parameters, URI url) {}
