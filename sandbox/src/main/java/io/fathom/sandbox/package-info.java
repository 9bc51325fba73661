/**
 * Isolated code execution for the {@code python} and {@code bash} tools.
 *
 * <p>{@link io.fathom.sandbox.Sandboxes} holds sandboxes; a {@link io.fathom.sandbox.Sandbox} is a
 * workspace plus {@link io.fathom.sandbox.Limits}, runs programs ({@link
 * io.fathom.sandbox.Sandbox#exec}) and offers a file API that never leaves the workspace. Each
 * execution: a root shell joins per-execution cgroup v1 groups (memory, pids, cpu, freezer) and
 * opens the seccomp filter, then {@code prlimit} (rlimits) → {@code setpriv} (the unprivileged
 * sandbox user) → {@code bwrap} (all namespaces, read-only system, the workspace at {@code
 * /workspace}, seccomp built at run time by libseccomp through FFM) → the program. Output is capped,
 * and the whole cgroup is frozen and killed at the deadline. {@link io.fathom.sandbox.SandboxSetup}
 * says what a machine lacks; {@code sandbox/setup.sh} installs it. Details in each class comment.
 */
package io.fathom.sandbox;
