package io.fathom.api.jobs;

import io.fathom.api.errors.ApiException;
import io.fathom.api.errors.FieldProblem;
import io.fathom.orchestrator.context.ContextPolicy;
import io.fathom.orchestrator.jobs.JobSpec;
import io.fathom.orchestrator.repos.RepositoryStore;
import io.fathom.orchestrator.jobs.Sampling;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** Checks a job request against the documented limits, naming every bad field. */
public final class JobRequestValidator {

  public static final int MAX_TASK_BYTES = 1 << 20;
  public static final int MAX_SYSTEM_BYTES = 256 << 10;
  public static final int DEFAULT_MAX_ROUNDS = 500;
  public static final int MAX_ROUNDS = 1000;
  public static final int MAX_TOOLS = 128;
  public static final int MAX_DEADLINE_SECONDS = 7 * 24 * 3600;
  public static final int MAX_METADATA_BYTES = 16 << 10;
  public static final int MAX_IDEMPOTENCY_KEY = 255;
  public static final int MAX_TOKENS = 262_144;
  public static final int MIN_CONTEXT_TOKENS = 1024;
  public static final long MAX_GENERATED_TOKENS = 1_000_000_000L;
  public static final int MIN_TOOL_RESULT_TOKENS = 64;

  private JobRequestValidator() {}

  /** The spec to store, or an {@link ApiException} listing every problem. */
  public static JobSpec validate(JobRequest r) {
    if (r == null) {
      throw ApiException.badRequest("", "the body must be a JSON object");
    }
    List<FieldProblem> p = new ArrayList<>();
    if (r.task() == null) {
      p.add(new FieldProblem("task", "is required"));
    } else if (r.task().isBlank()) {
      p.add(new FieldProblem("task", "must not be blank"));
    } else if (utf8(r.task()) > MAX_TASK_BYTES) {
      p.add(new FieldProblem("task", "has " + utf8(r.task()) + " bytes; the limit is " + MAX_TASK_BYTES));
    }
    if (r.system() != null && utf8(r.system()) > MAX_SYSTEM_BYTES) {
      p.add(new FieldProblem("system", "has " + utf8(r.system()) + " bytes; the limit is " + MAX_SYSTEM_BYTES));
    }
    List<String> tools = r.tools() == null ? List.of() : r.tools();
    if (tools.size() > MAX_TOOLS) {
      p.add(new FieldProblem("tools", "lists " + tools.size() + " tools; the limit is " + MAX_TOOLS));
    }
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < tools.size() && i < MAX_TOOLS; i++) {
      String t = tools.get(i);
      if (t == null || !t.matches("[A-Za-z0-9_-]{1,64}")) {
        p.add(new FieldProblem("tools[" + i + "]", "must be a tool name matching [A-Za-z0-9_-]{1,64}"));
      } else if (!seen.add(t)) {
        p.add(new FieldProblem("tools[" + i + "]", "'" + t + "' is listed twice"));
      }
    }
    int maxRounds = r.maxRounds() == null ? DEFAULT_MAX_ROUNDS : r.maxRounds();
    if (maxRounds < 1 || maxRounds > MAX_ROUNDS) {
      p.add(new FieldProblem("max_rounds", "must be between 1 and " + MAX_ROUNDS + ", was " + maxRounds));
    }
    if (r.deadlineSeconds() != null && (r.deadlineSeconds() < 1 || r.deadlineSeconds() > MAX_DEADLINE_SECONDS)) {
      p.add(new FieldProblem("deadline_seconds", "must be between 1 and " + MAX_DEADLINE_SECONDS + ", was " + r.deadlineSeconds()));
    }
    Sampling s = r.sampling() == null ? Sampling.DEFAULT : r.sampling();
    if (s.temperature() != null && !(s.temperature() >= 0 && s.temperature() <= 2)) {
      p.add(new FieldProblem("sampling.temperature", "must be between 0 and 2, was " + s.temperature()));
    }
    if (s.topP() != null && !(s.topP() > 0 && s.topP() <= 1)) {
      p.add(new FieldProblem("sampling.top_p", "must be in (0, 1], was " + s.topP()));
    }
    if (s.maxTokens() != null && (s.maxTokens() < 1 || s.maxTokens() > MAX_TOKENS)) {
      p.add(new FieldProblem("sampling.max_tokens", "must be between 1 and " + MAX_TOKENS + ", was " + s.maxTokens()));
    }
    if (r.metadata() != null) {
      if (!r.metadata().isObject()) {
        p.add(new FieldProblem("metadata", "must be a JSON object"));
      } else if (utf8(r.metadata().toString()) > MAX_METADATA_BYTES) {
        p.add(new FieldProblem("metadata", "is larger than " + MAX_METADATA_BYTES + " bytes"));
      }
    }
    String key = r.idempotencyKey();
    if (key != null && (key.isEmpty() || key.length() > MAX_IDEMPOTENCY_KEY)) {
      p.add(new FieldProblem("idempotency_key", "must have 1 to " + MAX_IDEMPOTENCY_KEY + " characters"));
    }
    if (r.maxContextTokens() != null && (r.maxContextTokens() < MIN_CONTEXT_TOKENS || r.maxContextTokens() > JobSpec.DEFAULT_CONTEXT_TOKENS)) {
      p.add(new FieldProblem("max_context_tokens",
          "must be between " + MIN_CONTEXT_TOKENS + " and " + JobSpec.DEFAULT_CONTEXT_TOKENS + ", was " + r.maxContextTokens()));
    }
    if (r.maxGeneratedTokens() != null && (r.maxGeneratedTokens() < 1 || r.maxGeneratedTokens() > MAX_GENERATED_TOKENS)) {
      p.add(new FieldProblem("max_generated_tokens",
          "must be between 1 and " + MAX_GENERATED_TOKENS + ", was " + r.maxGeneratedTokens()));
    }
    if (r.maxToolResultTokens() != null
        && (r.maxToolResultTokens() < MIN_TOOL_RESULT_TOKENS || r.maxToolResultTokens() > JobSpec.DEFAULT_CONTEXT_TOKENS)) {
      p.add(new FieldProblem("max_tool_result_tokens",
          "must be between " + MIN_TOOL_RESULT_TOKENS + " and " + JobSpec.DEFAULT_CONTEXT_TOKENS + ", was " + r.maxToolResultTokens()));
    }
    JobSpec spec =
        new JobSpec(
            r.task(), r.system(), tools, maxRounds, r.deadlineSeconds(), s, r.metadata(), key, r.contextPolicy(),
            r.maxContextTokens(), r.maxGeneratedTokens(), r.maxToolResultTokens(), r.streamDeltas(), r.repository());
    if (r.repository() != null && !RepositoryStore.valid(r.repository())) {
      p.add(new FieldProblem("repository", "must be the name of one of your repositories (1 to 64 of [A-Za-z0-9_.-], not only dots)"));
    }
    if (r.contextPolicy() != null) {
      if (r.contextPolicy().length() > 64) {
        p.add(new FieldProblem("context_policy", "is longer than 64 characters"));
      } else {
        try {
          ContextPolicy.parse(spec.contextPolicySpec());
        } catch (IllegalArgumentException e) {
          p.add(new FieldProblem("context_policy", e.getMessage() + " (or compact, with marks at 7/8 and 1/8 of max_context_tokens)"));
        }
      }
    }
    if (!p.isEmpty()) {
      throw ApiException.badRequest(p);
    }
    return spec;
  }

  private static int utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8).length;
  }
}
