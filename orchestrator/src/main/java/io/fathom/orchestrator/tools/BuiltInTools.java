package io.fathom.orchestrator.tools;

import io.fathom.orchestrator.config.FathomProperties;
import io.fathom.sandbox.SandboxConfig;
import io.fathom.sandbox.SandboxSetup;
import io.fathom.sandbox.Sandboxes;
import io.fathom.tools.Tool;
import io.fathom.tools.code.CodeTool;
import io.fathom.tools.code.JobWorkspaces;
import io.fathom.tools.code.LocalCodeSandboxes;
import io.fathom.tools.code.RemoteCodeSandboxes;
import io.fathom.tools.net.OutboundPolicy;
import io.fathom.tools.repo.RepoToolSettings;
import io.fathom.tools.repo.RepoTools;
import io.fathom.tools.search.CorpusStore;
import io.fathom.tools.search.SearchSettings;
import io.fathom.tools.search.SearchTool;
import io.fathom.tools.visit.VisitSettings;
import io.fathom.tools.visit.VisitTool;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.stereotype.Component;
import reactor.core.scheduler.Schedulers;

/**
 * The tools every tenant has, by name: {@code search} (the tenant's corpora, or SearXNG / Brave when
 * configured), {@code visit} (a web page or PDF as text through the same outbound policy as webhooks,
 * or a {@code corpus://} document), the repository tools ({@code view}, {@code create}, {@code
 * str_replace}, {@code insert}, {@code search_repo}, {@code run_tests}; in-process sandboxes only) on
 * the job's workspace, and {@code python} and {@code bash} in the job's sandbox. With
 * {@code FATHOM_SANDBOX_URL} the sandboxes are on that sandbox server ({@code ./fathom sandbox}, key
 * {@code FATHOM_SANDBOX_API_KEY}) and this machine needs no sandbox set-up. Otherwise they run in
 * process when this machine can run sandboxes ({@link SandboxSetup}: bubblewrap, libseccomp, the
 * unprivileged user, cgroup v1 — the service runs as root), the registry made at the first call; when
 * it cannot, those two are off, with a warning naming the fix. A tenant's function of the same name
 * wins.
 */
@Component
public class BuiltInTools implements DisposableBean {

  private static final Logger log = LoggerFactory.getLogger(BuiltInTools.class);

  /** {@code run_tests} runs Python's unittest discovery unless the call names a command (pytest is not installed here). */
  static final RepoToolSettings REPO_TOOLS =
      RepoToolSettings.defaults().withTestCommand(List.of("python3", "-m", "unittest", "-q"));

  private final Map<String, Tool> tools = new LinkedHashMap<>();
  private final JobWorkspaces workspaces;
  private final SandboxConfig config;
  private final VisitTool visit;
  private final SearchTool search;
  private final RemoteCodeSandboxes remote;
  private Sandboxes sandboxes;

  public BuiltInTools(FathomProperties properties, OutboundPolicy outbound, CorpusStore corpora, SearchSettings searchSettings) {
    this.visit = new VisitTool(outbound, VisitSettings.defaults(), corpora);
    tools.put(visit.name(), visit);
    this.search = new SearchTool(searchSettings, corpora);
    tools.put(this.search.name(), this.search);
    FathomProperties.Tools settings = properties.tools();
    this.config = SandboxConfig.defaults(Path.of(settings.sandboxRoot()));
    boolean codeTools;
    if (settings.remoteSandbox()) {
      this.remote = new RemoteCodeSandboxes(settings.sandboxUrl(), settings.sandboxApiKey());
      this.workspaces = new JobWorkspaces(remote, Schedulers.boundedElastic());
      codeTools = true;
      log.info("The python and bash tools run on the sandbox server {}{}", remote.baseUrl(),
          settings.sandboxApiKey().isEmpty() ? " (no FATHOM_SANDBOX_API_KEY set: requests carry no key)" : "");
    } else {
      this.remote = null;
      this.workspaces = new JobWorkspaces(new LocalCodeSandboxes(this::sandboxes), Schedulers.boundedElastic());
      SandboxSetup.Report report = SandboxSetup.check(config);
      codeTools = report.ready();
      if (!codeTools) {
        log.warn("The python and bash tools are off: this machine cannot run sandboxes yet (or set FATHOM_SANDBOX_URL"
            + " to a sandbox server):\n{}", report.describe());
      }
    }
    if (codeTools) {
      tools.put("python", CodeTool.python(workspaces, Schedulers.boundedElastic(), settings.codeTimeout()));
      tools.put("bash", CodeTool.bash(workspaces, Schedulers.boundedElastic(), settings.codeTimeout()));
    }
    if (codeTools && remote == null) {
      // The repository tools use the sandbox's file API directly: in-process sandboxes only.
      for (Tool tool : RepoTools.all(workspaces::sandbox, REPO_TOOLS)) {
        tools.put(tool.name(), tool);
      }
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

  /**
   * The job starts from {@code repository}: its sandbox (python, bash and the repository tools share it) will be
   * a copy-on-write view of that directory.
   */
  public void assignRepository(UUID job, Path repository) {
    workspaces.assignRepository(job, repository);
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
    search.close();
    if (remote != null) {
      workspaces.close();
      remote.close();
    }
    if (sandboxes != null) {
      sandboxes.close();
    }
  }
}
