package io.fathom.tools.repo;

import io.fathom.sandbox.ExecRequest;
import io.fathom.sandbox.ExecResult;
import io.fathom.sandbox.Sandbox;
import io.fathom.tools.ToolContext;
import io.fathom.tools.ToolOutputLimiter;
import io.fathom.tools.ToolResult;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Function;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * {@code search_repo}: finds lines of the workspace's text files that contain a string (or match a
 * Python regular expression), as {@code path:line: text}. Skips {@code .git}, binary files (a NUL
 * byte in the first 8 KiB), links and files over {@link RepoToolSettings#maxFileBytes()}. The path
 * is checked through the sandbox's file API; the search itself runs inside the sandbox (a small
 * Python program), so a pathological pattern costs the sandbox's time limit and nothing of the
 * service. Idempotent.
 */
public final class SearchRepoTool extends RepoTool {

  public static final String NAME = "search_repo";

  /** Default number of results when the call gives none. */
  public static final int DEFAULT_RESULTS = 50;
  private static final int LINE_CHARS = 300;
  private static final int EXIT_NO_MATCH = 1;
  private static final int EXIT_BAD_PATTERN = 2;
  private static final int EXIT_MORE = 3;

  /** argv: pattern, path, regex (0/1), max results, max file bytes, line width. */
  static final String PROGRAM = """
      import os, re, sys
      pattern, root, is_regex = sys.argv[1], sys.argv[2] or '.', sys.argv[3] == '1'
      limit, max_bytes, width = int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6])
      try:
          rx = re.compile(pattern if is_regex else re.escape(pattern))
      except re.error as e:
          print('invalid regular expression: %s' % e, file=sys.stderr)
          sys.exit(2)
      def files():
          if not os.path.isdir(root):
              yield root
              return
          for d, dirs, names in os.walk(root):
              dirs[:] = sorted(x for x in dirs if x != '.git')
              for n in sorted(names):
                  yield os.path.join(d, n)
      found = 0
      for f in files():
          try:
              if os.path.islink(f) or not os.path.isfile(f) or os.path.getsize(f) > max_bytes:
                  continue
              with open(f, 'rb') as h:
                  data = h.read()
          except OSError:
              continue
          if b'\\0' in data[:8192]:
              continue
          shown = os.path.normpath(f)
          for i, line in enumerate(data.decode('utf-8', 'replace').split('\\n'), 1):
              line = line.rstrip('\\r')
              if rx.search(line):
                  found += 1
                  if found > limit:
                      sys.exit(3)
                  if len(line) > width:
                      line = line[:width] + ' [...]'
                  print('%s:%d: %s' % (shown, i, line))
      sys.exit(0 if found else 1)
      """;

  private static final String SCHEMA = """
      {"type": "object", "properties": {
        "pattern": {"type": "string", "minLength": 1, "maxLength": 1000, "description": "The text to find (a Python regular expression when regex is true)"},
        "path": {"type": "string", "description": "A directory or file to search, relative to /workspace; default: the whole repository"},
        "regex": {"type": "boolean", "description": "Treat pattern as a Python regular expression; default false (plain text)"},
        "max_results": {"type": "integer", "minimum": 1, "maximum": %d, "description": "The most matching lines to return; default %d"}
      }, "required": ["pattern"], "additionalProperties": false}""";

  /** Over the job's sandbox with {@link Schedulers#boundedElastic()}. */
  public SearchRepoTool(Function<UUID, Sandbox> sandboxes, RepoToolSettings settings) {
    this(sandboxes, settings, Schedulers.boundedElastic());
  }

  /** @param blocking where the sandbox work runs */
  public SearchRepoTool(Function<UUID, Sandbox> sandboxes, RepoToolSettings settings, Scheduler blocking) {
    super(NAME, "Search the text files of the repository in /workspace for a string (or a Python regular"
        + " expression with regex: true). Returns matching lines as path:line: text. Skips .git and binary files.",
        SCHEMA.formatted(settings.maxSearchResults(), defaultResults(settings)), true, sandboxes, settings, blocking);
  }

  private static int defaultResults(RepoToolSettings settings) {
    return Math.min(DEFAULT_RESULTS, settings.maxSearchResults());
  }

  @Override
  ToolResult run(RepoArguments args, ToolContext context) throws Exception {
    String pattern = args.nonEmptyString("pattern");
    if (pattern.length() > 1000) {
      throw RepoToolException.invalid("pattern", "is longer than 1000 characters");
    }
    if (pattern.indexOf('\0') >= 0) {
      throw RepoToolException.invalid("pattern", "must not contain NUL characters");
    }
    String path = RepoFiles.relative(args.optionalString("path").orElse(""));
    boolean regex = args.bool("regex", false);
    int max = args.optionalInteger("max_results").orElse(defaultResults(settings));
    if (max < 1 || max > settings.maxSearchResults()) {
      throw RepoToolException.invalid("max_results", "must be from 1 to " + settings.maxSearchResults() + ", was "
          + max);
    }
    Sandbox sandbox = sandbox(context);
    RepoFiles.isDirectory(sandbox, path); // the path exists and stays inside the workspace (or this throws)
    ExecRequest request = new ExecRequest(List.of("python3", "-c", PROGRAM, pattern, path.isEmpty() ? "." : path,
        regex ? "1" : "0", Integer.toString(max), Long.toString(settings.maxFileBytes()), Integer.toString(LINE_CHARS)),
        null, timeout(context), Map.of("PYTHONIOENCODING", "utf-8:replace", "PYTHONDONTWRITEBYTECODE", "1"));
    ExecResult r = sandbox.exec(request);
    String what = (regex ? "regex " : "") + "'" + pattern + "' in " + RepoFiles.shown(path);
    if (r.timedOut()) {
      throw new RepoToolException("timeout", "the search for " + what + " ran past its time limit; search a"
          + " smaller path or use a simpler pattern");
    }
    return switch (r.exitCode()) {
      case 0, EXIT_MORE -> {
        long n = r.stdout().lines().count();
        String head = (r.exitCode() == EXIT_MORE ? "More than " + max + " matches" : n + " match" + (n == 1 ? "" : "es"))
            + " for " + what + (r.exitCode() == EXIT_MORE ? " (showing the first " + max
            + "; narrow the search with path or a more specific pattern)" : "") + ":\n";
        String text = new ToolOutputLimiter(settings.outputChars()).limit(head + r.stdout());
        yield new ToolResult.Success(text, Map.of("matches", n, "more", r.exitCode() == EXIT_MORE || r.truncated()));
      }
      case EXIT_NO_MATCH -> new ToolResult.Success("No matches for " + what + ".", Map.of("matches", 0L, "more", false));
      case EXIT_BAD_PATTERN -> throw RepoToolException.invalid("pattern", "is not a valid Python regular expression: "
          + r.stderr().strip().replaceFirst("^invalid regular expression: ", ""));
      default -> throw new RepoToolException("sandbox_error", "the search failed (exit code " + r.exitCode() + "): "
          + new ToolOutputLimiter(2000).limit(r.stderr().strip()));
    };
  }

  private Duration timeout(ToolContext context) {
    return RunTestsTool.clip(settings.searchTimeout(), context.deadline());
  }
}
