package io.fathom.sandbox;

/** One entry of a workspace directory listing; symbolic links are reported, never followed. */
public sealed interface FileEntry {

  /** The entry's name (no directory part). */
  String name();

  record RegularFile(String name, long size) implements FileEntry {}

  record Directory(String name) implements FileEntry {}

  /** A symbolic link and its (unresolved) target text. */
  record Symlink(String name, String target) implements FileEntry {}

  /** A FIFO, socket or other special file. */
  record Other(String name) implements FileEntry {}
}
