/**
 * Isolated code execution (bubblewrap, cgroups, rlimits, seccomp) and its server. The module
 * exists with its dependency boundary; the implementation arrives with the sandbox issue.
 */
package io.fathom.sandbox;
