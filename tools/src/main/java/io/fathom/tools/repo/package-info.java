/**
 * Tools for SWE-style tasks that work on a repository checked out in the job's sandbox ({@code
 * /workspace}, usually a copy-on-write overlay of the repository: {@code Sandboxes.create(Limits,
 * Path)}): {@code view}, {@code create}, {@code str_replace}, {@code insert}, {@code search_repo}
 * and {@code run_tests} ({@link io.fathom.tools.repo.RepoTools#all}). Paths are relative to {@code
 * /workspace} and go through the sandbox's file API, which refuses absolute paths, {@code ..} and
 * links out of the workspace. Every failure is a {@link io.fathom.tools.ToolResult.Failure}; the
 * blocking sandbox work runs on a scheduler for it, never on an event loop.
 */
package io.fathom.tools.repo;
