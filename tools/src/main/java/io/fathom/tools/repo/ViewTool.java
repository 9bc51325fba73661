package io.fathom.tools.repo;

import io.fathom.sandbox.FileEntry;
import io.fathom.sandbox.Sandbox;
import io.fathom.sandbox.SandboxException;
import io.fathom.tools.ToolContext;
import io.fathom.tools.ToolOutputLimiter;
import io.fathom.tools.ToolResult;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Function;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * {@code view}: a text file of the workspace with line numbers ({@code cat -n}), a range of its
 * lines, or a directory listing two levels deep without hidden entries. Files over {@link
 * RepoToolSettings#maxFileBytes()} and binary files are refused; long output is cut with a note
 * that says how to see the rest. Idempotent.
 */
public final class ViewTool extends RepoTool {

  public static final String NAME = "view";

  private static final String SCHEMA = """
      {"type": "object", "properties": {
        "path": {"type": "string", "description": "File or directory, relative to /workspace (e.g. 'src/app.py'; '.' is the repository root)"},
        "view_range": {"type": "array", "items": {"type": "integer"}, "minItems": 2, "maxItems": 2,
          "description": "Optional [start, end] line numbers of a file, 1-based and inclusive; end -1 means to the end of the file"}
      }, "required": ["path"], "additionalProperties": false}""";

  /** A view over the job's sandbox with {@link Schedulers#boundedElastic()}. */
  public ViewTool(Function<UUID, Sandbox> sandboxes, RepoToolSettings settings) {
    this(sandboxes, settings, Schedulers.boundedElastic());
  }

  /** @param blocking where the sandbox's file operations run */
  public ViewTool(Function<UUID, Sandbox> sandboxes, RepoToolSettings settings, Scheduler blocking) {
    super(NAME, "Show a file of the repository in /workspace with line numbers (optionally only the lines in"
        + " view_range), or list a directory two levels deep (hidden entries skipped). Files larger than "
        + settings.maxFileBytes() / 1024 + " KiB cannot be viewed: use search_repo or view_range.", SCHEMA, true,
        sandboxes, settings, blocking);
  }

  @Override
  ToolResult run(RepoArguments args, ToolContext context) throws Exception {
    String path = RepoFiles.relative(args.nonEmptyString("path"));
    Optional<int[]> range = args.integers("view_range", 2);
    Sandbox sandbox = sandbox(context);
    if (RepoFiles.isDirectory(sandbox, path)) {
      if (range.isPresent()) {
        throw RepoToolException.invalid("view_range", "applies to files only, and '" + RepoFiles.shown(path)
            + "' is a directory");
      }
      return listing(sandbox, path);
    }
    return file(sandbox, path, range);
  }

  private ToolResult file(Sandbox sandbox, String path, Optional<int[]> range) throws IOException, RepoToolException {
    byte[] data = RepoFiles.read(sandbox, path, settings.maxFileBytes());
    List<String> lines = RepoFiles.lines(new String(data, StandardCharsets.UTF_8));
    int from = 1;
    int to = lines.size();
    if (range.isPresent()) {
      int start = range.get()[0];
      int end = range.get()[1];
      if (lines.isEmpty()) {
        throw RepoToolException.invalid("view_range", "cannot be used: '" + path + "' is empty");
      }
      if (start < 1 || start > lines.size()) {
        throw RepoToolException.invalid("view_range", "start " + start + " is out of range: '" + path + "' has "
            + lines.size() + " lines (1 to " + lines.size() + ")");
      }
      if (end != -1 && (end < start || end > lines.size())) {
        throw RepoToolException.invalid("view_range", "end " + end + " is out of range: it must be -1 (to the end)"
            + " or from " + start + " to " + lines.size() + ", the number of lines of '" + path + "'");
      }
      from = start;
      to = end == -1 ? lines.size() : end;
    }
    if (lines.isEmpty()) {
      return success("'" + path + "' is empty.\n", path, 0);
    }
    String header = "Here is " + path + (range.isPresent() ? ", lines " + from + "-" + to + " of " + lines.size()
        : " (" + lines.size() + " lines)") + ", with line numbers:\n";
    String body = RepoFiles.numbered(lines, from, to);
    String hint = "\n[to see other lines, call view with a view_range]";
    String out = limit(header + body, hint);
    return success(out, path, lines.size());
  }

  private ToolResult listing(Sandbox sandbox, String path) throws IOException {
    StringBuilder b = new StringBuilder();
    String prefix = path.isEmpty() ? "" : path + "/";
    b.append("Files and directories in ").append(RepoFiles.shown(path))
        .append(", two levels deep, hidden entries skipped:\n");
    int[] shown = {0};
    boolean complete = list(sandbox, prefix, 1, b, shown);
    if (shown[0] == 0) {
      b.append("(empty)\n");
    }
    if (!complete) {
      b.append("[listing stopped at ").append(settings.maxListingEntries())
          .append(" entries; view a subdirectory to see more]\n");
    }
    return success(limit(b.toString(), "\n[view a subdirectory to see more]"), path, shown[0]);
  }

  /** Appends the entries under {@code prefix}; false when the entry cap was reached. */
  private boolean list(Sandbox sandbox, String prefix, int depth, StringBuilder b, int[] shown) throws IOException {
    List<FileEntry> entries;
    try {
      entries = sandbox.list(prefix.isEmpty() ? "" : prefix.substring(0, prefix.length() - 1));
    } catch (SandboxException | IOException e) {
      if (depth == 1) {
        throw e;
      }
      b.append(prefix).append(" (not listed: ").append(e.getMessage()).append(")\n");
      return true;
    }
    for (FileEntry e : entries) {
      if (e.name().startsWith(".")) {
        continue;
      }
      if (shown[0] >= settings.maxListingEntries()) {
        return false;
      }
      shown[0]++;
      switch (e) {
        case FileEntry.Directory d -> {
          b.append(prefix).append(d.name()).append("/\n");
          if (depth < 2 && !list(sandbox, prefix + d.name() + "/", depth + 1, b, shown)) {
            return false;
          }
        }
        case FileEntry.RegularFile f -> b.append(prefix).append(f.name()).append('\n');
        case FileEntry.Symlink l -> b.append(prefix).append(l.name()).append(" -> ").append(l.target()).append('\n');
        case FileEntry.Other o -> b.append(prefix).append(o.name()).append(" (special file)\n");
      }
    }
    return true;
  }

  /** Cuts {@code text} to the output budget, ending with {@code hint} when cut. */
  private String limit(String text, String hint) {
    if (text.length() <= settings.outputChars()) {
      return text;
    }
    return new ToolOutputLimiter(settings.outputChars() - hint.length()).limit(text) + hint;
  }

  private static ToolResult success(String text, String path, int count) {
    return new ToolResult.Success(text, Map.of("path", RepoFiles.shown(path), "count", count));
  }
}
