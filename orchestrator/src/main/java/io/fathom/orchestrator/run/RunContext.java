package io.fathom.orchestrator.run;

import io.fathom.orchestrator.config.FathomProperties;
import io.fathom.orchestrator.events.EventLog;
import io.fathom.orchestrator.events.Notifications;
import io.fathom.orchestrator.jobs.JobStore;
import io.fathom.orchestrator.jobs.JobWriter;
import io.fathom.orchestrator.model.ModelClient;
import io.fathom.orchestrator.model.TokenizerSource;
import io.fathom.orchestrator.tools.ToolCatalog;
import io.fathom.orchestrator.tools.ToolGuard;
import org.springframework.stereotype.Component;
import tools.jackson.databind.json.JsonMapper;

/** What every job run needs, gathered once. */
@Component
public record RunContext(
    JobStore jobs,
    JobWriter writer,
    EventLog events,
    Notifications notifications,
    ModelClient model,
    TokenizerSource tokenizers,
    ToolCatalog tools,
    ToolGuard guard,
    JsonMapper json,
    FathomProperties properties,
    RoundMetrics metrics) {}
