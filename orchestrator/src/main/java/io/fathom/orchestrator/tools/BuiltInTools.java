package io.fathom.orchestrator.tools;

import io.fathom.orchestrator.config.FathomProperties;
import io.fathom.sandbox.SandboxConfig;
import io.fathom.sandbox.SandboxSetup;
import io.fathom.sandbox.Sandboxes;
import io.fathom.tools.Tool;
import io.fathom.tools.code.CodeTool;
import io.fathom.tools.code.JobWorkspaces;
import io.fathom.tools.net.OutboundPolicy;
import io.fathom.tools.visit.VisitSettings;
import io.fathom.tools.visit.VisitTool;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.stereotype.Component;
import reactor.core.scheduler.Schedulers;

/**
 * The tools every tenant has, by name: {@code visit} (a web page or PDF as text, through the same
 * outbound policy as webhooks), and {@code python} and {@code bash} in the job's sandbox, when this
 * machine can run sandboxes ({@link SandboxSetup}: bubblewrap, libseccomp, the unprivileged user,
 * cgroup v1 — the service runs as root); otherwise not those two, with a warning naming the fix. The
 * sandbox registry is made at the first call. A tenant's function of the same name wins.
 */
@Component
public class BuiltInTools implements DisposableBean {

  private static final Logger log = LoggerFactory.getLogger(BuiltInTools.class);

  private final Map<String, Tool> tools = new LinkedHashMap<>();
  private final JobWorkspaces workspaces;
  private final SandboxConfig config;
  private final VisitTool visit;
  private Sandboxes sandboxes;

  public BuiltInTools(FathomProperties properties, OutboundPolicy outbound) {
    this.visit = new VisitTool(outbound, VisitSettings.defaults(), null);
    tools.put(visit.name(), visit);
    this.config = SandboxConfig.defaults(Path.of(properties.tools().sandboxRoot()));
    SandboxSetup.Report report = SandboxSetup.check(config);
    this.workspaces = new JobWorkspaces(this::sandboxes);
    if (report.ready()) {
      tools.put("python", CodeTool.python(workspaces, Schedulers.boundedElastic(), properties.tools().codeTimeout()));
      tools.put("bash", CodeTool.bash(workspaces, Schedulers.boundedElastic(), properties.tools().codeTimeout()));
    } else {
      log.warn("The python and bash tools are off: this machine cannot run sandboxes yet:\n{}", report.describe());
    }
  }

  private synchronized Sandboxes sandboxes() {
    if (sandboxes == null) {
      sandboxes = new Sandboxes(config);
    }
    return sandboxes;
  }

  public Optional<Tool> get(String name) {
    return Optional.ofNullable(tools.get(name));
  }

  /** The job ended on this replica: its workspace goes. */
  public void release(UUID job) {
    if (tools.containsKey("python")) {
      workspaces.release(job);
    }
  }

  @Override
  public synchronized void destroy() {
    visit.close();
    if (sandboxes != null) {
      sandboxes.close();
    }
  }
}
