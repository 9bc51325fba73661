package io.fathom.tools.repo;

import io.fathom.sandbox.Sandbox;
import io.fathom.tools.ToolContext;
import io.fathom.tools.ToolResult;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Function;
import java.util.stream.Collectors;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * {@code str_replace}: replaces the one occurrence of {@code old_str} in a file with {@code
 * new_str} (default: nothing) and shows the edited region with line numbers. No occurrence, or more
 * than one (listed by line), is a tool error and the file is left alone. The file must be UTF-8
 * text within {@link RepoToolSettings#maxFileBytes()}, before and after. Not idempotent.
 */
public final class StrReplaceTool extends RepoTool {

  public static final String NAME = "str_replace";

  private static final int MAX_LISTED_MATCHES = 20;

  private static final String SCHEMA = """
      {"type": "object", "properties": {
        "path": {"type": "string", "description": "The file to edit, relative to /workspace"},
        "old_str": {"type": "string", "minLength": 1, "description": "The exact text to replace, including whitespace and indentation; it must occur exactly once in the file (add surrounding lines to make it unique)"},
        "new_str": {"type": "string", "description": "The replacement text; omit it to delete old_str"}
      }, "required": ["path", "old_str"], "additionalProperties": false}""";

  /** Over the job's sandbox with {@link Schedulers#boundedElastic()}. */
  public StrReplaceTool(Function<UUID, Sandbox> sandboxes, RepoToolSettings settings) {
    this(sandboxes, settings, Schedulers.boundedElastic());
  }

  /** @param blocking where the sandbox's file operations run */
  public StrReplaceTool(Function<UUID, Sandbox> sandboxes, RepoToolSettings settings, Scheduler blocking) {
    super(NAME, "Edit a file of the repository in /workspace: replace the exact text old_str, which must occur"
        + " exactly once, with new_str. Returns the edited lines with line numbers.", SCHEMA, false, sandboxes,
        settings, blocking);
  }

  @Override
  ToolResult run(RepoArguments args, ToolContext context) throws Exception {
    String path = RepoFiles.relative(args.nonEmptyString("path"));
    String oldStr = args.nonEmptyString("old_str");
    String newStr = args.optionalString("new_str").orElse("");
    if (oldStr.equals(newStr)) {
      throw RepoToolException.invalid("new_str", "is the same as old_str: nothing would change");
    }
    Sandbox sandbox = sandbox(context);
    String text = RepoFiles.decodeStrict(path, RepoFiles.read(sandbox, path, settings.maxFileBytes()));
    List<Integer> at = occurrences(text, oldStr);
    if (at.isEmpty()) {
      throw new RepoToolException("no_match", "old_str was not found in '" + path + "'; it must match the file"
          + " exactly, including whitespace and indentation (view the file to copy the text)");
    }
    if (at.size() > 1) {
      String lines = at.stream().limit(MAX_LISTED_MATCHES).map(i -> Integer.toString(RepoFiles.lineOf(text, i)))
          .collect(Collectors.joining(", "));
      throw new RepoToolException("multiple_matches", "old_str occurs " + at.size() + " times in '" + path
          + "', at lines " + lines + (at.size() > MAX_LISTED_MATCHES ? ", ..." : "")
          + "; it must occur exactly once: include more of the surrounding lines to make it unique");
    }
    int index = at.getFirst();
    String edited = text.substring(0, index) + newStr + text.substring(index + oldStr.length());
    byte[] data = RepoFiles.utf8(edited);
    if (data.length > settings.maxFileBytes()) {
      throw new RepoToolException("too_large", "the edited file would have " + data.length
          + " bytes, more than the limit of " + settings.maxFileBytes() + " bytes; nothing was changed");
    }
    sandbox.write(path, data);
    int first = RepoFiles.lineOf(edited, index);
    int last = first + (int) newStr.chars().filter(c -> c == '\n').count();
    return new ToolResult.Success("Edited " + path + ". The lines around the change:\n"
        + RepoFiles.snippet(edited, first, last)
        + "Check that the change is what you meant (indentation included).",
        Map.of("path", path, "line", first));
  }

  /** Start offsets of the non-overlapping occurrences of {@code needle}, left to right. */
  static List<Integer> occurrences(String text, String needle) {
    List<Integer> at = new ArrayList<>();
    for (int i = text.indexOf(needle); i >= 0; i = text.indexOf(needle, i + needle.length())) {
      at.add(i);
    }
    return at;
  }
}
