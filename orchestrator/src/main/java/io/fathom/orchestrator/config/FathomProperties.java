package io.fathom.orchestrator.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.ConstructorBinding;

/**
 * Fathom's configuration ({@code fathom.*}); every field is set from a {@code FATHOM_*}
 * environment variable in {@code application.yml}, where the defaults live. README lists them.
 *
 * @param dataDir where the embedded database, the generated API key and other state live
 * @param dbUrl an external PostgreSQL ({@code postgresql://user:pass@host:port/db}); blank runs the
 *     embedded one
 * @param apiKeys {@code tenant:key,...}; blank generates one key for tenant {@code default}
 * @param inferenceUrls base URLs of OpenAI-compatible servers, each ending in {@code /v1}
 * @param inferenceApiKey the key sent to those servers as {@code Authorization: Bearer KEY}; blank sends none
 * @param instanceId this replica's name in leases; blank derives one
 * @param leaseTtl how long a claimed job stays this replica's without a heartbeat
 * @param pollInterval how often idle replicas look for runnable jobs
 * @param maxActiveJobs jobs one replica runs at once
 * @param sseHeartbeat interval of keep-alive comments on idle event streams
 * @param outboundAllow hosts and CIDR blocks that webhooks may reach although private
 * @param model how the model servers are called
 * @param webhook how function webhooks are called
 * @param agent the loop's guards: stuck detection, tool-result size
 * @param tools the guards of every tool call
 * @param toolConcurrency tool calls of one round run at once
 * @param runJobs whether this replica runs jobs (false: an API-only replica)
 */
@ConfigurationProperties("fathom")
public record FathomProperties(
    Path dataDir,
    String dbUrl,
    String apiKeys,
    List<String> inferenceUrls,
    String inferenceApiKey,
    String instanceId,
    Duration leaseTtl,
    Duration pollInterval,
    int maxActiveJobs,
    Duration sseHeartbeat,
    List<String> outboundAllow,
    Model model,
    Webhook webhook,
    Agent agent,
    Tools tools,
    int toolConcurrency,
    boolean runJobs) {

  public FathomProperties {
    inferenceUrls = inferenceUrls == null ? List.of() : inferenceUrls.stream().filter(u -> !u.isBlank()).toList();
    outboundAllow = outboundAllow == null ? List.of() : List.copyOf(outboundAllow);
    inferenceApiKey = inferenceApiKey == null || inferenceApiKey.isBlank() ? null : inferenceApiKey.strip();
  }

  /** {@code Bearer KEY} for the model servers' {@code Authorization} header, when a key is configured. */
  public Optional<String> inferenceAuthorization() {
    return Optional.ofNullable(inferenceApiKey).map(key -> "Bearer " + key);
  }

  /**
   * @param name the model name sent in requests; blank asks the server's {@code /models}
   * @param timeout one model call
   * @param maxAttempts attempts per round, across the configured servers
   * @param backoff first wait between attempts, doubled each time
   * @param maxConnections concurrent connections to each model server (jobs beyond wait for one)
   * @param dir a model directory holding {@code tokenizer.json}: jobs then send token prompts
   * @param promptMode {@code auto} (token prompts when a tokenizer is at hand), {@code tokens} or {@code chat}
   */
  public record Model(
      String name, Duration timeout, int maxAttempts, Duration backoff, int maxConnections, String dir, String promptMode) {}

  /**
   * @param stuckRepeats the same call with the same result this many times draws a nudge, once more ends the job
   * @param stuckErrors the same error from the same tool this many times draws a nudge, once more ends the job
   * @param toolResultTokens a tool result longer than this is cut, with a note to the model (token prompts)
   */
  public record Agent(int stuckRepeats, int stuckErrors, int toolResultTokens) {}

  /**
   * @param timeout one attempt of one tool call
   * @param maxConcurrent calls of one tool running at once on this replica; beyond, calls are refused
   * @param maxAttempts attempts of an idempotent tool's call (others are never repeated)
   * @param backoff first wait between attempts, doubled each time
   * @param sandboxRoot where the python and bash tools' sandboxes live (in process)
   * @param codeTimeout one python or bash call
   * @param sandboxUrl a sandbox server ({@code ./fathom sandbox}, e.g. {@code http://host:8090}) that runs
   *     the python and bash tools instead of this process; blank runs them in process
   * @param sandboxApiKey the sandbox server's key, sent as {@code Authorization: Bearer KEY}
   */
  public record Tools(
      Duration timeout,
      int maxConcurrent,
      int maxAttempts,
      Duration backoff,
      String sandboxRoot,
      Duration codeTimeout,
      String sandboxUrl,
      String sandboxApiKey) {

    @ConstructorBinding
    public Tools {
      sandboxUrl = sandboxUrl == null ? "" : sandboxUrl.strip();
      sandboxApiKey = sandboxApiKey == null ? "" : sandboxApiKey.strip();
    }

    /** In-process sandboxes (no sandbox server). */
    public Tools(Duration timeout, int maxConcurrent, int maxAttempts, Duration backoff, String sandboxRoot, Duration codeTimeout) {
      this(timeout, maxConcurrent, maxAttempts, backoff, sandboxRoot, codeTimeout, "", "");
    }

    /** Whether the python and bash tools run on a sandbox server. */
    public boolean remoteSandbox() {
      return !sandboxUrl.isEmpty();
    }

    @Override
    public String toString() {
      return "Tools[timeout=" + timeout + ", maxConcurrent=" + maxConcurrent + ", maxAttempts=" + maxAttempts
          + ", backoff=" + backoff + ", sandboxRoot=" + sandboxRoot + ", codeTimeout=" + codeTimeout
          + ", sandboxUrl=" + sandboxUrl + ", sandboxApiKey=" + (sandboxApiKey.isEmpty() ? "" : "****") + "]";
    }
  }

  /**
   * @param timeout one webhook attempt
   * @param maxAttempts attempts per call
   * @param backoff first wait between attempts, doubled each time
   * @param maxResponseBytes longest accepted webhook response
   * @param maxResultChars the model sees at most this much of a result
   */
  public record Webhook(
      Duration timeout, int maxAttempts, Duration backoff, int maxResponseBytes, int maxResultChars) {}
}
