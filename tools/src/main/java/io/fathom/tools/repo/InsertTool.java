package io.fathom.tools.repo;

import io.fathom.sandbox.Sandbox;
import io.fathom.tools.ToolContext;
import io.fathom.tools.ToolResult;
import java.util.Map;
import java.util.UUID;
import java.util.function.Function;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * {@code insert}: inserts text after line {@code insert_line} of a file ({@code 0}: at the top; the
 * file's line count: at the end) and shows the region with line numbers. The text becomes whole
 * lines: a missing final newline is added. Not idempotent.
 */
public final class InsertTool extends RepoTool {

  public static final String NAME = "insert";

  private static final String SCHEMA = """
      {"type": "object", "properties": {
        "path": {"type": "string", "description": "The file to edit, relative to /workspace"},
        "insert_line": {"type": "integer", "minimum": 0, "description": "Insert after this line (1-based); 0 inserts at the top of the file"},
        "new_str": {"type": "string", "minLength": 1, "description": "The lines to insert"}
      }, "required": ["path", "insert_line", "new_str"], "additionalProperties": false}""";

  /** Over the job's sandbox with {@link Schedulers#boundedElastic()}. */
  public InsertTool(Function<UUID, Sandbox> sandboxes, RepoToolSettings settings) {
    this(sandboxes, settings, Schedulers.boundedElastic());
  }

  /** @param blocking where the sandbox's file operations run */
  public InsertTool(Function<UUID, Sandbox> sandboxes, RepoToolSettings settings, Scheduler blocking) {
    super(NAME, "Insert lines into a file of the repository in /workspace after line insert_line (0 = at the top)."
        + " Returns the edited lines with line numbers.", SCHEMA, false, sandboxes, settings, blocking);
  }

  @Override
  ToolResult run(RepoArguments args, ToolContext context) throws Exception {
    String path = RepoFiles.relative(args.nonEmptyString("path"));
    int after = args.integer("insert_line");
    String newStr = args.nonEmptyString("new_str");
    if (after < 0) {
      throw RepoToolException.invalid("insert_line", "must be 0 or more, was " + after);
    }
    Sandbox sandbox = sandbox(context);
    String text = RepoFiles.decodeStrict(path, RepoFiles.read(sandbox, path, settings.maxFileBytes()));
    int count = RepoFiles.lineCount(text);
    if (after > count) {
      throw RepoToolException.invalid("insert_line", after + " is out of range: '" + path + "' has " + count
          + " lines, so it must be from 0 to " + count);
    }
    String insert = newStr.endsWith("\n") ? newStr : newStr + "\n";
    int offset = offsetOfLine(text, after);
    String head = text.substring(0, offset);
    if (!head.isEmpty() && !head.endsWith("\n")) {
      head += "\n"; // inserting after a last line that had no newline
    }
    String edited = head + insert + text.substring(offset);
    byte[] data = RepoFiles.utf8(edited);
    if (data.length > settings.maxFileBytes()) {
      throw new RepoToolException("too_large", "the edited file would have " + data.length
          + " bytes, more than the limit of " + settings.maxFileBytes() + " bytes; nothing was changed");
    }
    sandbox.write(path, data);
    int first = after + 1;
    int last = after + RepoFiles.lineCount(insert);
    return new ToolResult.Success("Inserted " + (last - first + 1) + " line(s) into " + path + " after line " + after
        + ". The lines around the change:\n" + RepoFiles.snippet(edited, first, last)
        + "Check that the change is what you meant (indentation included).", Map.of("path", path, "line", first));
  }

  /** The offset just past line {@code n} (0: the start of the text; the last line: the end). */
  private static int offsetOfLine(String text, int n) {
    int offset = 0;
    for (int line = 0; line < n; line++) {
      int nl = text.indexOf('\n', offset);
      if (nl < 0) {
        return text.length();
      }
      offset = nl + 1;
    }
    return offset;
  }
}
