package io.fathom.orchestrator.tools;

import io.fathom.tools.Tool;
import io.fathom.tools.schema.ArgumentSchema;

/** A tool offered to one job, with its compiled argument schema. */
public record JobTool(Tool tool, ArgumentSchema schema) {}
