package io.fathom.tools.functions;

import java.net.URI;
import tools.jackson.databind.JsonNode;

/**
 * A user-defined function: a JSON Schema for its arguments and the webhook that answers it.
 * {@code idempotent} says that a repeated call with the same arguments does no harm (a lookup):
 * such calls start while their record is committed, and one in flight at a crash is repeated.
 */
public record FunctionDefinition(String name, String description, JsonNode parameters, URI url, boolean idempotent) {}
