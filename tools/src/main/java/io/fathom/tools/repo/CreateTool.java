package io.fathom.tools.repo;

import io.fathom.sandbox.FileEntry;
import io.fathom.sandbox.Sandbox;
import io.fathom.tools.ToolContext;
import io.fathom.tools.ToolResult;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Function;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * {@code create}: writes a new text file into the workspace, making missing parent directories.
 * Never overwrites: an existing path (file, directory or link) is refused with a pointer to {@code
 * str_replace} and {@code insert}. Not idempotent.
 */
public final class CreateTool extends RepoTool {

  public static final String NAME = "create";

  private static final String SCHEMA = """
      {"type": "object", "properties": {
        "path": {"type": "string", "description": "The new file, relative to /workspace (e.g. 'tests/test_new.py')"},
        "file_text": {"type": "string", "description": "The whole content of the new file"}
      }, "required": ["path", "file_text"], "additionalProperties": false}""";

  /** Over the job's sandbox with {@link Schedulers#boundedElastic()}. */
  public CreateTool(Function<UUID, Sandbox> sandboxes, RepoToolSettings settings) {
    this(sandboxes, settings, Schedulers.boundedElastic());
  }

  /** @param blocking where the sandbox's file operations run */
  public CreateTool(Function<UUID, Sandbox> sandboxes, RepoToolSettings settings, Scheduler blocking) {
    super(NAME, "Create a new file in the repository in /workspace with the given content (parent directories are"
        + " made). It refuses to overwrite an existing file: change existing files with str_replace or insert.",
        SCHEMA, false, sandboxes, settings, blocking);
  }

  @Override
  ToolResult run(RepoArguments args, ToolContext context) throws Exception {
    String path = RepoFiles.relative(args.nonEmptyString("path"));
    String text = args.string("file_text");
    if (path.isEmpty()) {
      throw RepoToolException.invalid("path", "must name a file, not the workspace directory");
    }
    byte[] data = RepoFiles.utf8(text);
    if (data.length > settings.maxFileBytes()) {
      throw new RepoToolException("too_large", "file_text has " + data.length + " bytes, more than the limit of "
          + settings.maxFileBytes() + " bytes per file");
    }
    Sandbox sandbox = sandbox(context);
    Optional<FileEntry> existing = RepoFiles.entry(sandbox, path);
    if (existing.isPresent()) {
      String what = existing.get() instanceof FileEntry.Directory ? "a directory" : "a file";
      throw new RepoToolException("already_exists", "'" + path + "' already exists (" + what + "); create only"
          + " makes new files. To change an existing file use str_replace or insert (view it first).");
    }
    sandbox.write(path, data);
    int lines = RepoFiles.lineCount(text);
    return new ToolResult.Success("Created " + path + " (" + lines + " lines, " + data.length + " bytes).",
        Map.of("path", path, "bytes", data.length));
  }
}
