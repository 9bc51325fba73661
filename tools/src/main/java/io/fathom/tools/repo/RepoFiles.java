package io.fathom.tools.repo;

import io.fathom.sandbox.FileEntry;
import io.fathom.sandbox.Sandbox;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Workspace paths and text files as the repository tools see them, on top of the sandbox's file
 * API (which refuses absolute paths, {@code ..} and links out of the workspace).
 */
final class RepoFiles {

  private static final String WORKSPACE = "/workspace";
  private static final int BINARY_PROBE = 8192;

  private RepoFiles() {}

  /**
   * The path relative to {@code /workspace}: {@code /workspace/x} becomes {@code x} (models often
   * give the absolute form they see in the sandbox); {@code ./} prefixes and doubled or trailing
   * slashes go. Anything else absolute is left for the sandbox to refuse.
   */
  static String relative(String path) {
    String p = path.strip();
    if (p.equals(WORKSPACE) || p.equals(WORKSPACE + "/")) {
      return "";
    }
    if (p.startsWith(WORKSPACE + "/")) {
      p = p.substring(WORKSPACE.length() + 1);
    }
    if (p.startsWith("/")) {
      return p;
    }
    List<String> parts = new ArrayList<>();
    for (String c : p.split("/")) {
      if (!c.isEmpty() && !c.equals(".")) {
        parts.add(c);
      }
    }
    return String.join("/", parts);
  }

  /** How a path is shown to the model: relative, {@code .} for the workspace itself. */
  static String shown(String relative) {
    return relative.isEmpty() ? "." : relative;
  }

  static String parent(String relative) {
    int slash = relative.lastIndexOf('/');
    return slash < 0 ? "" : relative.substring(0, slash);
  }

  static String fileName(String relative) {
    return relative.substring(relative.lastIndexOf('/') + 1);
  }

  /** The listing entry of {@code relative} in its parent (links not followed); empty when absent. */
  static Optional<FileEntry> entry(Sandbox sandbox, String relative) throws IOException {
    if (relative.isEmpty()) {
      return Optional.of(new FileEntry.Directory(""));
    }
    String name = fileName(relative);
    try {
      return sandbox.list(parent(relative)).stream().filter(e -> e.name().equals(name)).findFirst();
    } catch (NoSuchFileException | NotDirectoryException e) {
      return Optional.empty();
    }
  }

  /** Whether {@code relative} is a directory (following links inside the workspace). */
  static boolean isDirectory(Sandbox sandbox, String relative) throws IOException {
    try {
      sandbox.list(relative);
      return true;
    } catch (NotDirectoryException e) {
      return false;
    }
  }

  /**
   * Reads a file for viewing or editing: at most {@code maxBytes} (refused before reading when the
   * listing shows it bigger), not binary (a NUL byte in its first 8 KiB).
   */
  static byte[] read(Sandbox sandbox, String relative, long maxBytes) throws IOException, RepoToolException {
    if (relative.isEmpty()) {
      throw new RepoToolException("not_a_file", "'.' is the workspace directory, not a file");
    }
    Optional<FileEntry> e = entry(sandbox, relative);
    if (e.isPresent() && e.get() instanceof FileEntry.RegularFile f && f.size() > maxBytes) {
      throw tooLarge(relative, f.size(), maxBytes);
    }
    if (isDirectory(sandbox, relative)) {
      throw new RepoToolException("not_a_file", "'" + relative + "' is a directory, not a file");
    }
    byte[] data = sandbox.read(relative);
    if (data.length > maxBytes) {
      throw tooLarge(relative, data.length, maxBytes);
    }
    for (int i = 0; i < Math.min(data.length, BINARY_PROBE); i++) {
      if (data[i] == 0) {
        throw new RepoToolException("binary_file", "'" + relative + "' is a binary file (" + data.length
            + " bytes); these tools show and edit text files only");
      }
    }
    return data;
  }

  static RepoToolException tooLarge(String relative, long size, long maxBytes) {
    return new RepoToolException("too_large", "'" + relative + "' has " + size + " bytes, more than the limit of "
        + maxBytes + " bytes (" + (maxBytes / 1024) + " KiB); look at parts of it with search_repo, or with bash"
        + " (head, sed -n)");
  }

  /** Strict UTF-8, for files about to be edited: a lossy decode would corrupt them when written back. */
  static String decodeStrict(String relative, byte[] data) throws RepoToolException {
    try {
      return StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(data))
          .toString();
    } catch (CharacterCodingException e) {
      throw new RepoToolException("not_utf8", "'" + relative + "' is not valid UTF-8 text; edit it with bash or"
          + " python instead");
    }
  }

  /** The lines of {@code text} split at {@code \n}, without their ends; a final newline adds no line. */
  static List<String> lines(String text) {
    if (text.isEmpty()) {
      return List.of();
    }
    List<String> lines = new ArrayList<>(List.of(text.split("\n", -1)));
    if (text.endsWith("\n")) {
      lines.removeLast();
    }
    return lines;
  }

  /** {@code cat -n}: lines {@code from..to} (1-based, inclusive), numbered. */
  static String numbered(List<String> lines, int from, int to) {
    StringBuilder b = new StringBuilder();
    for (int i = from; i <= to; i++) {
      String line = lines.get(i - 1);
      if (line.endsWith("\r")) {
        line = line.substring(0, line.length() - 1);
      }
      b.append(String.format("%6d\t", i)).append(line).append('\n');
    }
    return b.toString();
  }

  /** A few numbered lines around {@code firstLine..lastLine} of {@code text}, after an edit. */
  static String snippet(String text, int firstLine, int lastLine) {
    List<String> lines = lines(text);
    if (lines.isEmpty()) {
      return "(the file is now empty)\n";
    }
    int from = Math.max(1, firstLine - 4);
    int to = Math.min(lines.size(), Math.max(lastLine, firstLine) + 4);
    return numbered(lines, Math.min(from, lines.size()), to);
  }

  /** The 1-based line of character offset {@code index}. */
  static int lineOf(String text, int index) {
    int line = 1;
    for (int i = 0; i < index; i++) {
      if (text.charAt(i) == '\n') {
        line++;
      }
    }
    return line;
  }

  static int lineCount(String text) {
    return lines(text).size();
  }

  static byte[] utf8(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }
}
